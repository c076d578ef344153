// Secrets stay secret: every credential nxs resolves is registered here, and
// every line that leaves the process through the logger (and every error body
// the HTTP server writes) passes through `scrub`, so a key that slips into a
// message is replaced before anyone sees it. Pino's key-path redaction covers
// the structured fields; this covers free text.

const MIN_SECRET_LENGTH = 6;
export const REDACTED = '[REDACTED]';

export class SecretRedactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  add(secret: string | undefined | null): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.pattern = null;
  }

  scrub(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    return text.replace(this.pattern, REDACTED);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
