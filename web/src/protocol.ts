// The hubchat dialect of docs/PROTOCOL.md as the page speaks it over the WebSocket at /ws:
// one JSON object per WebSocket text message, both ways. Pure: no DOM, no socket.

export interface WireMessage {
  id: number;
  ts: number;
  user: string;
  dest: string;
  message: string;
  replay?: boolean;
  offline?: boolean;
}

export type ServerFrame =
  | { type: 'welcome'; name: string; protocol?: number; server?: string; max_message?: number }
  | ({ type: 'message' } & WireMessage)
  | { type: 'ack'; ref?: Ref; id: number; ts: number; delivered?: number; failed?: string[]; offline?: string[] }
  | { type: 'error'; code: string; message: string; ref?: Ref; names?: string[]; retry_after_ms?: number }
  | { type: 'list'; ref?: Ref; users: string[] }
  | { type: 'rooms'; ref?: Ref; rooms: { name: string; members: number }[] }
  | { type: 'members'; room: string; users: string[] }
  | { type: 'join'; room: string; user: string; ts?: number }
  | { type: 'leave'; room: string; user: string; reason?: string; ts?: number }
  | { type: 'ping'; ref?: Ref }
  | { type: 'pong'; ref?: Ref }
  | { type: 'registered'; ref?: Ref; name: string }
  | { type: 'replayed'; last_id: number }
  | { type: 'history'; ref?: Ref; with: string; messages: WireMessage[] }
  | { type: 'shutdown'; message?: string };

export type Ref = string | number;

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function isWireMessage(v: unknown): v is WireMessage {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return isNumber(m.id) && isNumber(m.ts) && isString(m.user) && isString(m.dest) && isString(m.message);
}

// The checks above make the shape good enough for the page; the rest is optional fields.
const frame = (f: Record<string, unknown>): ServerFrame => f as unknown as ServerFrame;

/** Parses one frame from the server; null for anything the page cannot use (it is ignored). */
export function parseServerFrame(text: string): ServerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const f = value as Record<string, unknown>;
  switch (f.type) {
    case 'welcome':
      return isString(f.name) ? frame(f) : null;
    case 'message':
      return isWireMessage(f) ? frame(f) : null;
    case 'ack':
      return isNumber(f.id) && isNumber(f.ts) ? frame(f) : null;
    case 'error':
      return isString(f.code) && isString(f.message) ? frame(f) : null;
    case 'list':
      return isStringArray(f.users) ? frame(f) : null;
    case 'rooms':
      return Array.isArray(f.rooms) &&
        f.rooms.every((r) => typeof r === 'object' && r !== null && isString(r.name) && isNumber(r.members))
        ? frame(f)
        : null;
    case 'members':
      return isString(f.room) && isStringArray(f.users) ? frame(f) : null;
    case 'join':
    case 'leave':
      return isString(f.room) && isString(f.user) ? frame(f) : null;
    case 'ping':
    case 'pong':
    case 'shutdown':
      return frame(f);
    case 'registered':
      return isString(f.name) ? frame(f) : null;
    case 'replayed':
      return isNumber(f.last_id) ? frame(f) : null;
    case 'history':
      return isString(f.with) && Array.isArray(f.messages) && f.messages.every(isWireMessage)
        ? frame(f)
        : null;
    default:
      return null;
  }
}

export interface HelloOptions {
  name: string;
  password?: string;
  register?: boolean;
  /** A private hub's own password (--server-password-file). */
  serverPassword?: string;
  since?: number;
  rooms?: string[];
}

export function helloFrame(o: HelloOptions): string {
  const hello: Record<string, unknown> = { type: 'hello', name: o.name, protocol: 1 };
  if (o.password) hello.password = o.password;
  if (o.password && o.register) hello.register = true;
  if (o.serverPassword) hello.server_password = o.serverPassword;
  if (o.since !== undefined && o.since > 0) hello.since = o.since;
  if (o.rooms && o.rooms.length > 0) hello.rooms = o.rooms;
  return JSON.stringify(hello);
}

export const messageFrame = (dest: string, message: string, ref: Ref): string =>
  JSON.stringify({ type: 'message', dest, message, ref });
export const pongFrame = (ref: Ref | undefined): string =>
  JSON.stringify(ref === undefined ? { type: 'pong' } : { type: 'pong', ref });
export const historyFrame = (withWhom: string, ref: Ref, limit = 100): string =>
  JSON.stringify({ type: 'history', with: withWhom, limit, ref });
export const joinFrame = (room: string): string => JSON.stringify({ type: 'join', room });
export const leaveFrame = (room: string): string => JSON.stringify({ type: 'leave', room });
export const listFrame = (ref?: Ref): string => JSON.stringify(ref === undefined ? { type: 'list' } : { type: 'list', ref });
export const roomsFrame = (ref?: Ref): string => JSON.stringify(ref === undefined ? { type: 'rooms' } : { type: 'rooms', ref });
export const quitFrame = (): string => JSON.stringify({ type: 'quit' });

/** Names are unique case-insensitively (PROTOCOL.md "Names"). */
export const fold = (name: string): string => name.toLowerCase();

/** Bytes the string takes in UTF-8, which is how the server measures frames. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Validates a room name the user typed, as the server would (PROTOCOL.md "Names"); returns it with '#'. */
export function normaliseRoom(input: string): string | null {
  const name = input.trim().startsWith('#') ? input.trim() : '#' + input.trim();
  const rest = [...name.slice(1)];
  if (rest.length < 1 || rest.length > 32) return null;
  if (rest.some((c) => /[\s,\p{Cc}]/u.test(c))) return null;
  if (rest[0] === '#' || rest[0] === '@' || rest[0] === '/') return null;
  return name;
}
