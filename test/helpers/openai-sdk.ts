import OpenAI, { APIError } from 'openai';

/** The official SDK pointed at a host's /v1 door, with no retries of its own (the door's behaviour is what is tested). */
export function sdk(url: string, token: string, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: token, maxRetries: 0, defaultHeaders: headers });
}

/** The APIError the SDK raises for `p`; fails the test when it raises nothing or something else. */
export async function caught(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof APIError) return err;
    throw err;
  }
  throw new Error('the SDK did not raise');
}
