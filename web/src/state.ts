// What the page knows about the chat: conversations and their messages (each id once),
// unread counts, who is online, which rooms exist and which the user is in.
// Pure: the view reads it and renders; main.ts feeds it the server's frames.
import { fold, type WireMessage } from './protocol';

export type ConversationKind = 'all' | 'room' | 'direct' | 'group';

export interface MessageEntry {
  kind: 'message';
  id: number;
  ts: number;
  user: string;
  text: string;
}

export interface EventEntry {
  kind: 'event';
  ts: number;
  text: string;
}

/** A message the user sent that the server has not acknowledged yet, or refused. */
export interface PendingEntry {
  kind: 'pending';
  ref: string;
  ts: number;
  user: string;
  text: string;
  failed?: string;
}

export type Entry = MessageEntry | EventEntry | PendingEntry;

export interface Conversation {
  key: string;
  kind: ConversationKind;
  /** What the user sees: "ALL", "#dev", "bob", "bob, carol". */
  title: string;
  /** The `dest` to send to, and the `with` of a history request (rooms, ALL, one person). */
  dest: string;
  entries: Entry[];
  unread: number;
  /** Rooms: whether the user is in it (and so receives its messages). */
  joined: boolean;
  historyRequested: boolean;
  /** Bumped whenever entries change other than by appending, so the view redraws all. */
  generation: number;
}

export interface Change {
  key: string;
  /** Appended at the end only (the view can add the new lines) or anything else. */
  appended: boolean;
}

const ALL = 'ALL';

/** The conversation a message belongs to, seen from `me`. */
export function conversationKey(me: string, user: string, dest: string): string {
  const targets = dest.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  if (targets.some((t) => t.toUpperCase() === ALL)) return ALL;
  const room = targets.find((t) => t.startsWith('#'));
  if (room) return fold(room);
  const people = new Set(targets.map(fold));
  people.add(fold(user));
  people.delete(fold(me));
  if (people.size === 0) people.add(fold(me));
  return '@' + [...people].sort().join(',');
}

export class ChatState {
  me = '';
  readonly conversations = new Map<string, Conversation>();
  active = ALL;
  /** Folded name -> display name of everyone online (including me). */
  readonly online = new Map<string, string>();
  /** Rooms on the server, from the last `rooms` listing (without ALL). */
  knownRooms: { name: string; members: number }[] = [];
  /** Highest message id received live or in a replay: what a resume asks to continue after. */
  lastId = 0;
  private readonly seen = new Set<number>();

  constructor() {
    this.ensure(ALL, 'all', ALL, ALL);
  }

  conversation(key: string): Conversation | undefined {
    return this.conversations.get(key);
  }

  /** Conversations in the order the side panel lists them. */
  list(kind: ConversationKind[]): Conversation[] {
    return [...this.conversations.values()]
      .filter((c) => kind.includes(c.kind))
      .sort((a, b) => (a.kind === 'all' ? -1 : b.kind === 'all' ? 1 : a.title.localeCompare(b.title)));
  }

  totalUnread(): number {
    let n = 0;
    for (const c of this.conversations.values()) n += c.unread;
    return n;
  }

  /** Opens (creating if needed) the direct or group conversation with these people. */
  openPeople(names: string[]): Conversation {
    const folded = [...new Set(names.map(fold))].filter((n) => n !== fold(this.me)).sort();
    if (folded.length === 0) return this.conversations.get(ALL)!;
    const display = folded.map((f) => this.online.get(f) ?? names.find((n) => fold(n) === f) ?? f);
    const key = '@' + folded.join(',');
    return this.ensure(key, folded.length === 1 ? 'direct' : 'group', display.join(', '), display.join(','));
  }

  /** Opens a room's conversation (creating it if needed); joining is separate (joinedRoom). */
  openRoom(room: string): Conversation {
    return this.ensure(fold(room), 'room', room, room);
  }

  /** Makes `key` the visible conversation: its unread count is cleared. */
  setActive(key: string): Conversation {
    const c = this.conversations.get(key) ?? this.conversations.get(ALL)!;
    this.active = c.key;
    c.unread = 0;
    return c;
  }

  /**
   * Adds a message (live, replayed or from a history request) unless its id is known.
   * `counts` marks it unread when it is not in the visible conversation (history does not).
   */
  addMessage(m: WireMessage, origin: 'live' | 'history'): Change | null {
    if (this.seen.has(m.id)) return null;
    this.seen.add(m.id);
    if (origin === 'live' && m.id > this.lastId) this.lastId = m.id;
    const key = conversationKey(this.me, m.user, m.dest);
    const c = this.conversationFor(key, m);
    const entry: MessageEntry = { kind: 'message', id: m.id, ts: m.ts, user: m.user, text: m.message };
    const appended = insertById(c.entries, entry);
    if (!appended) c.generation++;
    if (origin === 'live' && key !== this.active && fold(m.user) !== fold(this.me)) c.unread++;
    return { key, appended };
  }

  addEvent(key: string, text: string, ts: number): Change | null {
    const c = this.conversations.get(key);
    if (!c) return null;
    c.entries.push({ kind: 'event', ts, text });
    return { key, appended: true };
  }

  /** Shows a sent message at once, marked pending until its ack or error. */
  addPending(key: string, ref: string, text: string, ts: number): Change {
    const c = this.conversations.get(key)!;
    c.entries.push({ kind: 'pending', ref, ts, user: this.me, text });
    return { key, appended: true };
  }

  /** The server took the message: it becomes an ordinary one with its id. */
  acknowledge(ref: string, id: number, ts: number): Change | null {
    for (const c of this.conversations.values()) {
      const at = c.entries.findIndex((e) => e.kind === 'pending' && e.ref === ref);
      if (at < 0) continue;
      const pending = c.entries[at] as PendingEntry;
      c.entries.splice(at, 1);
      c.generation++;
      if (!this.seen.has(id)) {
        this.seen.add(id);
        insertById(c.entries, { kind: 'message', id, ts, user: pending.user, text: pending.text });
      }
      return { key: c.key, appended: false };
    }
    return null;
  }

  /** The server refused the message (or it may not have arrived): it stays, marked failed. */
  fail(ref: string, reason: string): Change | null {
    for (const c of this.conversations.values()) {
      const e = c.entries.find((x) => x.kind === 'pending' && x.ref === ref) as PendingEntry | undefined;
      if (!e) continue;
      e.failed = reason;
      c.generation++;
      return { key: c.key, appended: false };
    }
    return null;
  }

  /** Drops a failed message the user resends or dismisses. */
  removePending(ref: string): { key: string; entry: PendingEntry } | null {
    for (const c of this.conversations.values()) {
      const at = c.entries.findIndex((e) => e.kind === 'pending' && e.ref === ref);
      if (at < 0) continue;
      const [e] = c.entries.splice(at, 1);
      c.generation++;
      return { key: c.key, entry: e as PendingEntry };
    }
    return null;
  }

  pendingRefs(): string[] {
    const refs: string[] = [];
    for (const c of this.conversations.values())
      for (const e of c.entries) if (e.kind === 'pending' && !e.failed) refs.push(e.ref);
    return refs;
  }

  /** A pending message that a replayed message from me proves delivered (same conversation, same text). */
  settleByReplay(m: WireMessage): void {
    if (fold(m.user) !== fold(this.me)) return;
    const key = conversationKey(this.me, m.user, m.dest);
    const c = this.conversations.get(key);
    if (!c) return;
    const at = c.entries.findIndex((e) => e.kind === 'pending' && e.text === m.message);
    if (at >= 0) {
      c.entries.splice(at, 1);
      c.generation++;
    }
  }

  setOnline(users: string[]): void {
    this.online.clear();
    for (const u of users) this.online.set(fold(u), u);
  }

  /** A `join` event: ALL means someone connected. Returns the conversation it concerns. */
  joined(room: string, user: string, ts: number): Change | null {
    if (room === ALL) {
      this.online.set(fold(user), user);
      if (fold(user) === fold(this.me)) return null;
      return this.addEvent(ALL, `${user} joined`, ts);
    }
    const c = this.openRoom(room);
    if (fold(user) === fold(this.me)) {
      if (c.joined) return null; // a resume re-joins rooms the page still shows
      c.joined = true;
      return this.addEvent(c.key, 'You joined ' + room, ts);
    }
    return this.addEvent(c.key, `${user} joined ${room}`, ts);
  }

  left(room: string, user: string, reason: string | undefined, ts: number): Change | null {
    if (room === ALL) {
      this.online.delete(fold(user));
      return this.addEvent(ALL, `${user} left` + (reason === 'disconnected' ? ' (connection lost)' : ''), ts);
    }
    const c = this.conversations.get(fold(room));
    if (!c) return null;
    if (fold(user) === fold(this.me)) {
      c.joined = false;
      return this.addEvent(c.key, 'You left ' + room, ts);
    }
    return this.addEvent(c.key, `${user} left ${room}`, ts);
  }

  joinedRooms(): string[] {
    return [...this.conversations.values()].filter((c) => c.kind === 'room' && c.joined).map((c) => c.title);
  }

  /** The connection is gone: nobody is known to be online, and rooms must be re-joined. */
  disconnected(): void {
    this.online.clear();
  }

  private conversationFor(key: string, m: WireMessage): Conversation {
    const existing = this.conversations.get(key);
    if (existing) return existing;
    if (key === ALL) return this.conversations.get(ALL)!;
    if (key.startsWith('#')) {
      const room = m.dest.split(',').find((t) => t.trim().startsWith('#'))!.trim();
      return this.openRoom(room);
    }
    // A direct or group conversation (or a note to myself): named as the message spells them.
    const folded = key.slice(1).split(',');
    const spelled = [m.user, ...m.dest.split(',').map((t) => t.trim())];
    const display = folded.map((f) => this.online.get(f) ?? spelled.find((n) => fold(n) === f) ?? f);
    return this.ensure(key, folded.length === 1 ? 'direct' : 'group', display.join(', '), display.join(','));
  }

  private ensure(key: string, kind: ConversationKind, title: string, dest: string): Conversation {
    let c = this.conversations.get(key);
    if (!c) {
      c = { key, kind, title, dest, entries: [], unread: 0, joined: kind === 'all', historyRequested: false, generation: 0 };
      this.conversations.set(key, c);
    }
    return c;
  }
}

/**
 * Puts a message among the others by id (ids grow with time on the server): before the
 * first message with a higher id, else at the end. Returns whether it went at the end.
 */
export function insertById(entries: Entry[], m: MessageEntry): boolean {
  const at = entries.findIndex((e) => e.kind === 'message' && e.id > m.id);
  if (at < 0) {
    entries.push(m);
    return true;
  }
  entries.splice(at, 0, m);
  return false;
}
