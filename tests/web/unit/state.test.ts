import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatState, conversationKey, insertById, type Entry } from '../../../web/src/state';

const msg = (id: number, user: string, dest: string, message = `m${id}`, ts = 1000 + id) => ({ id, ts, user, dest, message });

function chat(me = 'alice'): ChatState {
  const s = new ChatState();
  s.me = me;
  return s;
}

const ids = (entries: Entry[]) => entries.map((e) => (e.kind === 'message' ? e.id : e.kind));

test('conversation keys: ALL, rooms, direct both ways, groups without me, case-insensitive', () => {
  assert.equal(conversationKey('alice', 'bob', 'ALL'), 'ALL');
  assert.equal(conversationKey('alice', 'bob', '#Dev'), '#dev');
  assert.equal(conversationKey('alice', 'bob', 'alice'), '@bob');
  assert.equal(conversationKey('alice', 'Alice', 'BOB'), '@bob');
  assert.equal(conversationKey('alice', 'bob', 'alice,carol'), '@bob,carol');
  assert.equal(conversationKey('alice', 'alice', 'carol,bob'), '@bob,carol');
  assert.equal(conversationKey('alice', 'bob', 'carol,ALL'), 'ALL');
});

test('a message id is taken once: live, replayed or from history', () => {
  const s = chat();
  assert.ok(s.addMessage(msg(5, 'bob', 'ALL'), 'live'));
  assert.equal(s.addMessage(msg(5, 'bob', 'ALL'), 'live'), null);
  assert.equal(s.addMessage(msg(5, 'bob', 'ALL'), 'history'), null);
  assert.deepEqual(ids(s.conversation('ALL')!.entries), [5]);
});

test('history fills in before live messages, in id order, and is not counted unread', () => {
  const s = chat();
  s.addMessage(msg(10, 'bob', 'ALL'), 'live');
  const change = s.addMessage(msg(3, 'bob', 'ALL'), 'history');
  assert.deepEqual(change, { key: 'ALL', appended: false });
  s.addMessage(msg(7, 'carol', 'ALL'), 'history');
  s.addMessage(msg(12, 'carol', 'ALL'), 'live');
  assert.deepEqual(ids(s.conversation('ALL')!.entries), [3, 7, 10, 12]);
  assert.equal(s.lastId, 12, 'only live messages move the resume point');
});

test('lastId follows live and replayed messages only', () => {
  const s = chat();
  s.addMessage(msg(4, 'bob', 'ALL'), 'live');
  s.addMessage(msg(90, 'bob', 'ALL'), 'history');
  assert.equal(s.lastId, 4);
});

test('unread counts grow outside the open conversation and clear when it is opened', () => {
  const s = chat();
  s.setActive('ALL');
  s.addMessage(msg(1, 'bob', 'alice'), 'live');
  s.addMessage(msg(2, 'bob', 'alice'), 'live');
  s.addMessage(msg(3, 'carol', 'ALL'), 'live');
  assert.equal(s.conversation('@bob')!.unread, 2);
  assert.equal(s.conversation('ALL')!.unread, 0);
  assert.equal(s.totalUnread(), 2);
  s.setActive('@bob');
  assert.equal(s.totalUnread(), 0);
});

test('my own messages elsewhere are not unread', () => {
  const s = chat();
  s.openRoom('#dev');
  s.addMessage(msg(1, 'alice', '#dev'), 'live');
  assert.equal(s.conversation('#dev')!.unread, 0);
});

test('direct and group conversations: both directions land in one place', () => {
  const s = chat();
  s.addMessage(msg(1, 'bob', 'alice'), 'live');
  s.addMessage(msg(2, 'alice', 'Bob'), 'live');
  s.addMessage(msg(3, 'bob', 'alice,carol'), 'live');
  s.addMessage(msg(4, 'alice', 'carol,bob'), 'live');
  assert.deepEqual(ids(s.conversation('@bob')!.entries), [1, 2]);
  const group = s.conversation('@bob,carol')!;
  assert.deepEqual(ids(group.entries), [3, 4]);
  assert.equal(group.kind, 'group');
  assert.equal(group.dest.split(',').length, 2);
});

test('openPeople: direct or group, without me, dest usable for sending', () => {
  const s = chat();
  s.setOnline(['alice', 'Bob', 'carol']);
  const d = s.openPeople(['bob', 'alice']);
  assert.equal(d.key, '@bob');
  assert.equal(d.dest, 'Bob');
  const g = s.openPeople(['carol', 'bob']);
  assert.equal(g.key, '@bob,carol');
  assert.equal(g.dest, 'Bob,carol');
});

test('pending message: ack makes it a message with its id; the echo of the same id is not a second copy', () => {
  const s = chat();
  s.addPending('ALL', 'm:1', 'hello', 100);
  assert.deepEqual(s.pendingRefs(), ['m:1']);
  s.acknowledge('m:1', 8, 101);
  s.addMessage(msg(8, 'alice', 'ALL', 'hello'), 'live');
  const entries = s.conversation('ALL')!.entries;
  assert.deepEqual(ids(entries), [8]);
  assert.deepEqual(s.pendingRefs(), []);
});

test('the echo may come before the ack: still one copy', () => {
  const s = chat();
  s.addPending('ALL', 'm:1', 'hello', 100);
  s.addMessage(msg(8, 'alice', 'ALL', 'hello'), 'live');
  s.acknowledge('m:1', 8, 101);
  assert.deepEqual(ids(s.conversation('ALL')!.entries), [8]);
});

test('failed messages stay visible with the reason, are not pending, and can be removed', () => {
  const s = chat();
  s.addPending('ALL', 'm:1', 'x'.repeat(10), 100);
  s.fail('m:1', 'Message too large');
  const e = s.conversation('ALL')!.entries[0];
  assert.equal(e.kind === 'pending' && e.failed, 'Message too large');
  assert.deepEqual(s.pendingRefs(), []);
  assert.equal(s.removePending('m:1')!.key, 'ALL');
  assert.equal(s.conversation('ALL')!.entries.length, 0);
});

test('a replayed copy of my unconfirmed message settles it instead of showing it twice', () => {
  const s = chat();
  s.openRoom('#dev').joined = true;
  s.addPending('#dev', 'm:1', 'are you there?', 100);
  s.fail('m:1', 'Not confirmed before the connection dropped');
  const m = msg(20, 'alice', '#dev', 'are you there?');
  s.settleByReplay(m);
  s.addMessage(m, 'live');
  assert.deepEqual(ids(s.conversation('#dev')!.entries), [20]);
});

test('presence: joins and leaves of ALL update who is online and show as events', () => {
  const s = chat();
  s.setOnline(['alice', 'bob']);
  s.joined('ALL', 'carol', 5);
  assert.deepEqual([...s.online.values()].sort(), ['alice', 'bob', 'carol']);
  s.left('ALL', 'bob', 'quit', 6);
  assert.deepEqual([...s.online.values()].sort(), ['alice', 'carol']);
  const texts = s.conversation('ALL')!.entries.map((e) => (e.kind === 'event' ? e.text : ''));
  assert.deepEqual(texts, ['carol joined', 'bob left']);
});

test('rooms: my join marks the room joined (once, even when a resume joins again), my leave unmarks it', () => {
  const s = chat();
  s.joined('#dev', 'alice', 1);
  s.joined('#dev', 'alice', 2);
  s.joined('#dev', 'bob', 3);
  assert.deepEqual(s.joinedRooms(), ['#dev']);
  s.left('#dev', 'alice', 'left', 4);
  assert.deepEqual(s.joinedRooms(), []);
  const texts = s.conversation('#dev')!.entries.map((e) => (e.kind === 'event' ? e.text : ''));
  assert.deepEqual(texts, ['You joined #dev', 'bob joined #dev', 'You left #dev']);
});

test('insertById keeps messages in id order around events', () => {
  const entries: Entry[] = [];
  const m = (id: number): Entry => ({ kind: 'message', id, ts: id, user: 'u', text: '' });
  assert.equal(insertById(entries, m(2) as never), true);
  entries.push({ kind: 'event', ts: 3, text: 'e' });
  assert.equal(insertById(entries, m(5) as never), true);
  assert.equal(insertById(entries, m(1) as never), false);
  assert.deepEqual(ids(entries), [1, 2, 'event', 5]);
});

test('a message to myself gets its own conversation, with me as the destination', () => {
  const s = chat('Alice');
  s.addMessage(msg(1, 'Alice', 'alice', 'note to self'), 'live');
  const c = s.conversation('@alice')!;
  assert.equal(c.dest, 'Alice');
  assert.deepEqual(ids(c.entries), [1]);
  assert.equal(s.conversation('ALL')!.entries.length, 0);
});

test('a conversation first opened by an incoming message is titled as the sender spells the names', () => {
  const s = chat();
  s.addMessage(msg(1, 'Bob', 'alice,Carol'), 'live');
  const c = s.conversation('@bob,carol')!;
  assert.equal(c.title, 'Bob, Carol');
  assert.equal(c.dest, 'Bob,Carol');
  assert.equal(c.unread, 1);
});
