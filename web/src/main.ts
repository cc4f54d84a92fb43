// The chat page: connects to /ws, speaks the hubchat dialect (docs/PROTOCOL.md), renders
// the state of state.ts. The logic worth testing lives in the DOM-free modules.
import { Backoff } from './backoff';
import { describeError, LOGIN_ERRORS, seconds, type ErrorFrame } from './errors';
import { continuesGroup, formatTime } from './grouping';
import {
  fold,
  helloFrame,
  historyFrame,
  joinFrame,
  leaveFrame,
  listFrame,
  messageFrame,
  normaliseRoom,
  parseServerFrame,
  pongFrame,
  quitFrame,
  roomsFrame,
  type ServerFrame,
  type WireMessage,
} from './protocol';
import { ChatState, type Change, type Conversation, type Entry } from './state';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const ui = {
  login: $('login'),
  loginForm: $<HTMLFormElement>('login-form'),
  loginName: $<HTMLInputElement>('login-name'),
  loginPassword: $<HTMLInputElement>('login-password'),
  loginRegister: $<HTMLInputElement>('login-register'),
  loginHub: $('login-hub'),
  loginHubPassword: $<HTMLInputElement>('login-hub-password'),
  loginError: $('login-error'),
  loginSubmit: $<HTMLButtonElement>('login-submit'),
  loginInsecure: $('login-insecure'),
  chat: $('chat'),
  panelToggle: $<HTMLButtonElement>('panel-toggle'),
  totalUnread: $('total-unread'),
  convTitle: $('conv-title'),
  convActions: $('conv-actions'),
  status: $('status'),
  me: $('me'),
  logout: $<HTMLButtonElement>('logout'),
  panel: $('panel'),
  roomList: $('room-list'),
  joinForm: $<HTMLFormElement>('join-form'),
  joinRoom: $<HTMLInputElement>('join-room'),
  otherRooms: $('other-rooms'),
  directList: $('direct-list'),
  onlineCount: $('online-count'),
  peopleList: $('people-list'),
  groupSend: $<HTMLButtonElement>('group-send'),
  banner: $('banner'),
  bannerText: $('banner-text'),
  bannerClose: $<HTMLButtonElement>('banner-close'),
  messages: $('messages'),
  composer: $<HTMLFormElement>('composer'),
  composerLabel: $('composer-label'),
  input: $<HTMLTextAreaElement>('composer-input'),
  send: $<HTMLButtonElement>('send'),
};

let state = new ChatState();
const backoff = new Backoff();
let socket: WebSocket | null = null;
let credentials: { name: string; password: string; register: boolean; serverPassword: string } | null = null;
/** True once a welcome arrived: later connections resume instead of starting over. */
let everWelcomed = false;
let welcomed = false;
let maxMessage: number | undefined;
let reconnectTimer: number | undefined;
let countdownTimer: number | undefined;
let nextRef = 1;
const selected = new Set<string>();

// ---------------------------------------------------------------- connection

function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

function sendFrame(frame: string): boolean {
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(frame);
  return true;
}

function connect(): void {
  clearTimeout(reconnectTimer);
  clearInterval(countdownTimer);
  welcomed = false;
  setStatus(everWelcomed ? 'Reconnecting…' : 'Connecting…', 'connecting');
  const ws = new WebSocket(socketUrl());
  socket = ws;
  ws.onopen = () => {
    if (socket !== ws || !credentials) return;
    sendHello();
  };
  ws.onmessage = (event) => {
    if (socket !== ws || typeof event.data !== 'string') return;
    const frame = parseServerFrame(event.data);
    if (frame) handle(frame);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    lostConnection();
  };
}

function sendHello(): void {
  if (!credentials) return;
  // Resuming: everything after the last message seen, and the rooms the page still shows.
  sendFrame(
    helloFrame({
      name: credentials.name,
      password: credentials.password || undefined,
      register: credentials.register && !everWelcomed,
      serverPassword: credentials.serverPassword || undefined,
      since: everWelcomed ? state.lastId : undefined,
      rooms: everWelcomed ? state.joinedRooms() : undefined,
    }),
  );
}

function lostConnection(): void {
  welcomed = false;
  if (!everWelcomed) {
    // Never got in: back to the form, which says why.
    showLoginError(ui.loginError.hidden ? 'Could not reach the chat server. Try again in a moment.' : ui.loginError.textContent!);
    ui.loginSubmit.disabled = false;
    return;
  }
  if (!credentials) return; // the user left
  state.disconnected();
  // Messages without an ack may or may not have been taken: the replay after the resume
  // settles those it contains; the rest are offered for resending.
  for (const ref of state.pendingRefs()) state.fail(ref, 'Not confirmed before the connection dropped');
  scheduleRender(true);
  scheduleReconnect();
}

function scheduleReconnect(): void {
  const delay = backoff.next();
  const due = Date.now() + delay;
  const tick = () => setStatus(`Disconnected: reconnecting in ${seconds(Math.max(0, due - Date.now()))}`, 'offline');
  tick();
  clearInterval(countdownTimer);
  countdownTimer = window.setInterval(tick, 250);
  reconnectTimer = window.setTimeout(connect, delay);
}

function setStatus(text: string, kind: 'online' | 'connecting' | 'offline'): void {
  ui.status.textContent = text;
  ui.status.dataset.state = kind;
  ui.send.disabled = kind !== 'online';
}

// ---------------------------------------------------------------- frames

function handle(f: ServerFrame): void {
  switch (f.type) {
    case 'welcome':
      return onWelcome(f.name, f.max_message);
    case 'message':
      return onMessage(f);
    case 'ack': {
      const change = f.ref !== undefined ? state.acknowledge(String(f.ref), f.id, f.ts) : null;
      if (change) changed(change);
      if (f.failed && f.failed.length > 0) showBanner(`Not delivered to ${f.failed.join(', ')}.`);
      else if (f.offline && f.offline.length > 0)
        showBanner(`${f.offline.join(', ')} ${f.offline.length > 1 ? 'are' : 'is'} not connected: kept for them until they log in.`, 'info');
      return;
    }
    case 'error':
      return onError(f);
    case 'list':
      state.setOnline(f.users);
      return scheduleRender(false);
    case 'rooms':
      state.knownRooms = f.rooms.filter((r) => r.name !== 'ALL');
      return scheduleRender(false);
    case 'join': {
      const mine = fold(f.user) === fold(state.me);
      const change = state.joined(f.room, f.user, f.ts ?? Date.now());
      if (change) changed(change);
      if (mine && f.room !== 'ALL') {
        sendFrame(roomsFrame());
        const c = state.openRoom(f.room);
        if (state.active === c.key) requestHistory(c);
      }
      return scheduleRender(false);
    }
    case 'leave': {
      const change = state.left(f.room, f.user, f.reason, f.ts ?? Date.now());
      if (change) changed(change);
      if (fold(f.user) === fold(state.me) && f.room !== 'ALL') sendFrame(roomsFrame());
      return scheduleRender(false);
    }
    case 'ping':
      sendFrame(pongFrame(f.ref));
      return;
    case 'registered':
      if (credentials) credentials.register = false;
      showBanner(`The name ${f.name} is now registered: log in with its password from now on.`, 'info');
      return;
    case 'replayed':
      if (f.last_id > state.lastId) state.lastId = f.last_id;
      return;
    case 'history': {
      for (const m of f.messages) {
        const change = state.addMessage(m, 'history');
        if (change) changed(change);
      }
      return;
    }
    case 'shutdown':
      showBanner(f.message ?? 'The server is shutting down.', 'info');
      return;
    case 'pong':
      return;
  }
}

function onWelcome(name: string, max: number | undefined): void {
  const resumed = everWelcomed;
  welcomed = true;
  everWelcomed = true;
  maxMessage = max;
  backoff.reset();
  clearInterval(countdownTimer);
  state.me = name;
  ui.me.textContent = name;
  setStatus('Connected', 'online');
  try {
    localStorage.setItem('hubchat.name', name);
  } catch {
    // Storage may be off; the name is only a convenience.
  }
  if (!resumed) {
    ui.login.hidden = true;
    ui.chat.hidden = false;
    openConversation('ALL');
    ui.input.focus();
  } else {
    hideBanner();
  }
  sendFrame(listFrame());
  sendFrame(roomsFrame());
  scheduleRender(true);
}

/** Messages in the open conversation that arrived while the tab was in the background. */
let unseenWhileHidden = 0;

function onMessage(m: WireMessage & { replay?: boolean }): void {
  if (m.replay) state.settleByReplay(m);
  const change = state.addMessage(m, 'live');
  if (change && document.hidden && change.key === state.active && fold(m.user) !== fold(state.me)) unseenWhileHidden++;
  if (change) changed(change);
  else if (m.replay) scheduleRender(true);
}

function onError(e: ErrorFrame): void {
  const ref = e.ref === undefined ? undefined : String(e.ref);
  if (!welcomed && LOGIN_ERRORS.has(e.code)) return onLoginError(e);
  if (ref?.startsWith('h:')) {
    // A history request: a guest may not read a person's history; say so in that conversation.
    const key = ref.slice(2);
    const change = state.addEvent(
      key,
      e.code === 'access_denied' ? 'Earlier messages are kept for registered names only.' : describeError(e),
      Date.now(),
    );
    if (change) changed(change);
    return;
  }
  if (ref?.startsWith('m:')) {
    if (e.code === 'rate_limited' && e.retry_after_ms !== undefined) {
      // Flood control: the same message is accepted after the wait the server names.
      const pending = state.removePending(ref);
      showBanner(describeError(e) + ' (it will be sent automatically)', 'info');
      if (pending) window.setTimeout(() => sendText(pending.key, pending.entry.text), e.retry_after_ms + 50);
      scheduleRender(true);
      return;
    }
    const change = state.fail(ref, describeError(e, maxMessage));
    if (change) changed(change);
    showBanner(describeError(e, maxMessage));
    return;
  }
  if (e.code === 'too_large') {
    // The server skips an oversized frame without reading its ref; replies keep the order
    // of requests, so it is the oldest message still waiting for its answer.
    const [oldest] = state.pendingRefs();
    if (oldest) {
      const change = state.fail(oldest, describeError(e, maxMessage));
      if (change) changed(change);
    }
  }
  showBanner(describeError(e, maxMessage));
}

function onLoginError(e: ErrorFrame): void {
  if (everWelcomed) {
    // A resume refused: our old connection may still hold the name until the server
    // notices it is gone, so try again later; a changed password needs the user.
    if (e.code === 'name_taken' || e.code === 'rate_limited') {
      showBanner(describeError(e));
      socket?.close();
      return;
    }
    credentials = null;
    socket?.close();
    backToLogin(describeError(e));
    return;
  }
  showLoginError(describeError(e));
  ui.loginSubmit.disabled = false;
  if (e.code === 'access_denied') {
    // A private hub: its password goes in every hello.
    ui.loginHub.hidden = false;
    ui.loginHubPassword.focus();
    return;
  }
  (e.code === 'login_failed' || e.code === 'name_registered' ? ui.loginPassword : ui.loginName).focus();
}

// ---------------------------------------------------------------- actions

function sendText(key: string, text: string): void {
  const c = state.conversation(key);
  if (!c || text.length === 0) return;
  const ref = `m:${nextRef++}`;
  if (!sendFrame(messageFrame(c.dest, text, ref))) {
    showBanner('Not connected: your message is still in the box; send it again once reconnected.');
    return;
  }
  changed(state.addPending(key, ref, text, Date.now()));
}

function requestHistory(c: Conversation): void {
  if (c.historyRequested || (c.kind === 'room' && !c.joined) || c.kind === 'group') return;
  // The server keeps direct conversations for registered names only: a guest would be refused.
  if (c.kind === 'direct' && !credentials?.password) return;
  if (sendFrame(historyFrame(c.dest, `h:${c.key}`))) c.historyRequested = true;
}

function openConversation(key: string): void {
  const c = state.setActive(key);
  requestHistory(c);
  ui.input.placeholder = `Message ${c.title}`;
  ui.composerLabel.textContent = `Message to ${c.title}`;
  closePanelOnPhone();
  ui.input.focus();
  scheduleRender(true);
}

function joinRoom(room: string): void {
  const c = state.openRoom(room);
  if (!c.joined) sendFrame(joinFrame(room));
  openConversation(c.key);
}

function backToLogin(message?: string): void {
  clearTimeout(reconnectTimer);
  clearInterval(countdownTimer);
  everWelcomed = false;
  welcomed = false;
  state = new ChatState();
  selected.clear();
  ui.chat.hidden = true;
  ui.login.hidden = false;
  ui.loginSubmit.disabled = false;
  if (message) showLoginError(message);
  else ui.loginError.hidden = true;
  ui.loginName.focus();
}

// ---------------------------------------------------------------- rendering

let renderQueued = false;
let fullRedraw = false;
let rendered = { key: '', generation: -1, count: 0 };

function changed(change: Change): void {
  scheduleRender(!(change.appended && change.key === rendered.key));
}

function scheduleRender(full: boolean): void {
  fullRedraw ||= full;
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render(): void {
  const c = state.conversation(state.active)!;
  c.unread = 0;
  renderMessages(c, fullRedraw);
  fullRedraw = false;
  renderHeader(c);
  renderPanel();
}

function renderHeader(c: Conversation): void {
  ui.convTitle.textContent = c.kind === 'direct' || c.kind === 'group' ? `@ ${c.title}` : c.title;
  ui.convActions.replaceChildren();
  if (c.kind === 'room') {
    const b = button(c.joined ? 'Leave room' : 'Join room', () => sendFrame(c.joined ? leaveFrame(c.title) : joinFrame(c.title)));
    b.setAttribute('aria-label', `${c.joined ? 'Leave' : 'Join'} ${c.title}`);
    ui.convActions.append(b);
  }
  const unread = state.totalUnread();
  ui.totalUnread.hidden = unread === 0;
  ui.totalUnread.textContent = String(unread);
  const title = unread + unseenWhileHidden;
  document.title = title > 0 ? `(${title}) hubchat` : 'hubchat';
}

function renderMessages(c: Conversation, full: boolean): void {
  const pane = ui.messages;
  const stick = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80;
  const sameList = rendered.key === c.key && rendered.generation === c.generation && c.entries.length >= rendered.count;
  if (full || !sameList) {
    pane.setAttribute('aria-busy', 'true');
    pane.replaceChildren();
    rendered = { key: c.key, generation: c.generation, count: 0 };
  }
  const now = Date.now();
  for (let i = rendered.count; i < c.entries.length; i++) {
    const e = c.entries[i];
    const prev = i > 0 ? c.entries[i - 1] : undefined;
    const line = renderLine(e, now);
    const last = pane.lastElementChild;
    if (last && continuesGroup(prev, e)) last.append(line);
    else pane.append(renderGroup(e, now, line));
  }
  rendered.count = c.entries.length;
  pane.removeAttribute('aria-busy');
  if (stick || full) pane.scrollTop = pane.scrollHeight;
}

function renderGroup(e: Entry, now: number, line: HTMLElement): HTMLElement {
  const li = document.createElement('li');
  if (e.kind === 'event') {
    li.className = 'event';
    li.append(line);
    return li;
  }
  li.className = fold(e.user) === fold(state.me) ? 'group mine' : 'group';
  li.dataset.user = e.user;
  const meta = document.createElement('div');
  meta.className = 'meta';
  const who = document.createElement('span');
  who.className = 'sender';
  who.textContent = e.user;
  meta.append(who, ' ', timeElement(e.ts, now));
  li.append(meta, line);
  return li;
}

function renderLine(e: Entry, now: number): HTMLElement {
  const p = document.createElement('p');
  if (e.kind === 'event') {
    p.className = 'event-text';
    p.append(timeElement(e.ts, now), ' ', e.text);
    return p;
  }
  p.className = 'text';
  p.title = new Date(e.ts).toLocaleString();
  const body = document.createElement('span');
  body.className = 'body';
  body.textContent = e.text;
  p.append(body);
  if (e.kind === 'message') {
    p.dataset.id = String(e.id);
    return p;
  }
  p.classList.add(e.failed ? 'failed' : 'pending');
  p.dataset.ref = e.ref;
  if (!e.failed) {
    p.append(hint(' sending…'));
    return p;
  }
  const reason = hint(' ' + e.failed + ' ');
  reason.className = 'fail-reason';
  const ref = e.ref;
  const text = e.text;
  p.append(
    reason,
    button('Resend', () => {
      const removed = state.removePending(ref);
      if (removed) sendText(removed.key, text);
      scheduleRender(true);
    }),
    ' ',
    button('Discard', () => {
      state.removePending(ref);
      scheduleRender(true);
    }),
  );
  return p;
}

function renderPanel(): void {
  const rooms = state.list(['all', 'room']);
  ui.roomList.replaceChildren(...rooms.map(conversationItem));
  ui.otherRooms.replaceChildren(
    ...state.knownRooms
      .filter((r) => !state.conversation(fold(r.name))?.joined)
      .map((r) => {
        const li = document.createElement('li');
        const b = button(`Join ${r.name}`, () => joinRoom(r.name));
        b.append(hint(` (${r.members})`));
        li.append(b);
        return li;
      }),
  );
  ui.directList.replaceChildren(...state.list(['direct', 'group']).map(conversationItem));

  const people = [...state.online.values()].sort((a, b) => a.localeCompare(b));
  ui.onlineCount.textContent = `(${people.length})`;
  for (const s of [...selected]) if (!state.online.has(s)) selected.delete(s);
  ui.peopleList.replaceChildren(
    ...people.map((name) => {
      const li = document.createElement('li');
      li.dataset.user = name;
      const isMe = fold(name) === fold(state.me);
      if (isMe) {
        const span = document.createElement('span');
        span.className = 'person self';
        span.textContent = `${name} (you)`;
        li.append(span);
        return li;
      }
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = selected.has(fold(name));
      box.setAttribute('aria-label', `Select ${name} for a group message`);
      box.addEventListener('change', () => {
        if (box.checked) selected.add(fold(name));
        else selected.delete(fold(name));
        updateGroupButton();
      });
      const b = button(name, () => openConversation(state.openPeople([name]).key));
      b.className = 'person';
      b.setAttribute('aria-label', `Message ${name}`);
      li.append(box, b);
      return li;
    }),
  );
  updateGroupButton();
}

function updateGroupButton(): void {
  ui.groupSend.disabled = selected.size < 1;
  ui.groupSend.textContent = selected.size > 1 ? `Message ${selected.size} selected` : 'Message selected';
}

function conversationItem(c: Conversation): HTMLElement {
  const li = document.createElement('li');
  const b = button('', () => (c.kind === 'room' && !c.joined ? joinRoom(c.title) : openConversation(c.key)));
  b.className = 'conv' + (c.key === state.active ? ' active' : '') + (c.kind === 'room' && !c.joined ? ' not-joined' : '');
  if (c.key === state.active) b.setAttribute('aria-current', 'true');
  const title = document.createElement('span');
  title.className = 'conv-name';
  title.textContent = c.title;
  b.append(title);
  if (c.unread > 0) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = String(c.unread);
    b.append(badge);
  }
  b.setAttribute('aria-label', c.title + (c.unread > 0 ? `, ${c.unread} unread` : '') + (c.kind === 'room' && !c.joined ? ' (not joined)' : ''));
  li.append(b);
  return li;
}

function timeElement(ts: number, now: number): HTMLElement {
  const t = document.createElement('time');
  t.dateTime = new Date(ts).toISOString();
  t.textContent = formatTime(ts, now);
  return t;
}

function hint(text: string): HTMLElement {
  const s = document.createElement('span');
  s.className = 'hint';
  s.textContent = text;
  return s;
}

function button(label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

let bannerTimer: number | undefined;
function showBanner(text: string, kind: 'error' | 'info' = 'error'): void {
  ui.bannerText.textContent = text;
  ui.banner.dataset.kind = kind;
  ui.banner.hidden = false;
  clearTimeout(bannerTimer);
  if (kind === 'info') bannerTimer = window.setTimeout(hideBanner, 8000);
}

function hideBanner(): void {
  ui.banner.hidden = true;
}

function showLoginError(text: string): void {
  ui.loginError.textContent = text;
  ui.loginError.hidden = false;
}

const phone = window.matchMedia('(max-width: 760px)');
function setPanel(open: boolean): void {
  ui.chat.classList.toggle('panel-open', open);
  ui.panelToggle.setAttribute('aria-expanded', String(open));
}
function closePanelOnPhone(): void {
  if (phone.matches && ui.chat.classList.contains('panel-open')) {
    setPanel(false);
    ui.input.focus();
  }
}

// ---------------------------------------------------------------- wiring

ui.loginInsecure.hidden = location.protocol === 'https:' || location.hostname === 'localhost' || location.hostname === '127.0.0.1';
try {
  ui.loginName.value = localStorage.getItem('hubchat.name') ?? '';
} catch {
  // Storage may be off.
}
(ui.loginName.value ? ui.loginPassword : ui.loginName).focus();

ui.loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = ui.loginName.value.trim();
  if (!name) {
    showLoginError('Type a name first.');
    ui.loginName.focus();
    return;
  }
  const register = ui.loginRegister.checked;
  if (register && [...ui.loginPassword.value].length < 8) {
    showLoginError('An account needs a password of at least 8 characters.');
    ui.loginPassword.focus();
    return;
  }
  credentials = { name, password: ui.loginPassword.value, register, serverPassword: ui.loginHubPassword.value };
  ui.loginError.hidden = true;
  ui.loginSubmit.disabled = true;
  // After a refused hello the connection stays open: try again on it.
  if (socket && socket.readyState === WebSocket.OPEN && !welcomed) sendHello();
  else connect();
});

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.input.value;
  if (text.trim().length === 0) return;
  if (!welcomed) {
    showBanner('Not connected yet: your message stays in the box until the connection is back.');
    return;
  }
  sendText(state.active, text);
  ui.input.value = '';
  autoGrow();
});

ui.input.addEventListener('keydown', (event) => {
  // Enter sends, Shift+Enter starts a new line (and composing with an IME is left alone).
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});
function autoGrow(): void {
  ui.input.style.height = 'auto';
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
}
ui.input.addEventListener('input', autoGrow);

ui.joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const room = normaliseRoom(ui.joinRoom.value);
  if (!room) {
    showBanner('A room name is # and 1 to 32 characters, without spaces or commas.');
    return;
  }
  ui.joinRoom.value = '';
  joinRoom(room);
});

ui.groupSend.addEventListener('click', () => {
  const names = [...selected].map((f) => state.online.get(f) ?? f);
  selected.clear();
  openConversation(state.openPeople(names).key);
  ui.input.focus();
});

ui.panelToggle.addEventListener('click', () => {
  const open = !ui.chat.classList.contains('panel-open');
  setPanel(open);
  if (open) sendFrame(roomsFrame()); // rooms others created since: nobody announces them
  if (open) (ui.panel.querySelector('button') as HTMLElement | null)?.focus();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && ui.chat.classList.contains('panel-open')) {
    setPanel(false);
    ui.panelToggle.focus();
  }
});

ui.bannerClose.addEventListener('click', hideBanner);
document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  unseenWhileHidden = 0;
  scheduleRender(false);
});
ui.joinRoom.addEventListener('focus', () => sendFrame(roomsFrame()));
// New rooms are not announced: refresh the list of rooms to join now and then.
window.setInterval(() => {
  if (welcomed) sendFrame(roomsFrame());
}, 30000);

ui.logout.addEventListener('click', () => {
  credentials = null;
  sendFrame(quitFrame());
  const s = socket;
  socket = null;
  s?.close();
  backToLogin();
  rendered = { key: '', generation: -1, count: 0 };
});
