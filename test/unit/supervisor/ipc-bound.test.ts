import { describe, it, expect } from 'vitest';
import { decideIpcRoom, type InboxUsage } from '../../../src/supervisor/ipc-bound.ts';

const bound = { maxMessages: 10, maxBytes: 1000 };
const usage = (messages: number, bytes: number, pendingMessages: number, pendingBytes: number): InboxUsage => ({ messages, bytes, pendingMessages, pendingBytes });

describe('decideIpcRoom', () => {
  it.each([
    ['an empty inbox takes a message', usage(0, 0, 0, 0), 100, { kind: 'fits', dropMessages: 0, dropBytes: 0 }],
    ['a message exactly the bound fits an empty inbox', usage(0, 0, 0, 0), 1000, { kind: 'fits', dropMessages: 0, dropBytes: 0 }],
    ['one byte over the whole bound is too large', usage(0, 0, 0, 0), 1001, { kind: 'too-large' }],
    ['undelivered messages at the count bound refuse the sender', usage(10, 100, 10, 100), 1, { kind: 'full', reason: 'messages' }],
    ['undelivered bytes at the byte bound refuse the sender', usage(3, 950, 3, 950), 51, { kind: 'full', reason: 'bytes' }],
    ['delivered history gives way by count', usage(10, 100, 2, 20), 10, { kind: 'fits', dropMessages: 1, dropBytes: 0 }],
    ['delivered history gives way by bytes', usage(5, 900, 1, 100), 300, { kind: 'fits', dropMessages: 0, dropBytes: 200 }],
    ['both at once', usage(10, 1000, 0, 0), 1000, { kind: 'fits', dropMessages: 1, dropBytes: 1000 }],
  ] as const)('%s', (_name, u, size, expected) => {
    expect(decideIpcRoom(u, size, bound)).toEqual(expected);
  });
});
