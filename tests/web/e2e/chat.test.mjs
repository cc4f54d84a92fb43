// The page in a real headless Chromium (Debian's chromium, driven by playwright-core)
// against the real hubchat-server, in one run with the real terminal client and an
// original-dialect client: ALL, direct, multi-recipient and room messages, presence,
// unread counts, an oversize message, and a server restart with nothing lost or doubled.
// Environment: HUBCHAT_BUILD_DIR (required), HUBCHAT_WEB_OUT (screenshots; optional).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { OriginalClient, Server, TerminalClient, TIMEOUT_MS, scratchDir } from './support.mjs';

const buildDir = process.env.HUBCHAT_BUILD_DIR;
assert.ok(buildDir, 'set HUBCHAT_BUILD_DIR to the build directory (tests/web/run does)');
const outDir = process.env.HUBCHAT_WEB_OUT ?? path.join(buildDir, 'web-tests');
fs.mkdirSync(outDir, { recursive: true });

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** One person in a browser: their own context (storage), page and a record of problems. */
async function openUser(browser, server, viewport, extra = {}) {
  const context = await browser.newContext({ viewport, ...extra });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('console', (m) => {
    // A refused connection while the server restarts is expected; a CSP violation is not.
    if (m.type() === 'error' && !/WebSocket connection to .* failed/.test(m.text())) problems.push(m.text());
  });
  const replayed = [];
  const sockets = { welcomes: 0, pongs: 0 };
  sockets.ponged = new Promise((resolve) => (sockets.onPong = resolve));
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"type":"welcome"')) sockets.welcomes++;
      if (typeof f.payload === 'string' && f.payload.includes('"replay":true')) replayed.push(JSON.parse(f.payload));
    });
    ws.on('framesent', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"type":"pong"')) {
        sockets.pongs++;
        sockets.onPong();
      }
    });
  });
  const response = await page.goto(server.url);
  assert.equal(response.status(), 200);
  return { context, page, problems, replayed, sockets, headers: response.headers() };
}

const log = (page) => page.getByRole('log');
/** A person in the online list (attached: on a phone the panel may be closed). */
const online = (page, name) => page.locator(`#people-list li[data-user="${name}"]`);
/** One message line with exactly this text in the open conversation. */
const line = (page, text) => log(page).locator('p.text .body', { hasText: new RegExp(`^${escape(text)}$`) });
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function sendFromComposer(page, text) {
  await page.getByRole('textbox', { name: /^Message to / }).fill(text);
  await page.keyboard.press('Enter');
}

/** Opens the side panel on a phone (no-op on a desktop, where it is always shown). */
async function withPanel(page, action) {
  const toggle = page.getByRole('button', { name: 'Rooms and people' });
  const phone = await toggle.isVisible();
  if (phone && (await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await action();
}

/** Clicks a conversation or person in the side panel: an exact label, or a pattern. */
async function openConversation(page, label) {
  const exact = typeof label === 'string';
  await withPanel(page, () => page.getByRole('navigation').getByRole('button', { name: label, exact }).click());
}
const ALL = /^ALL(, \d+ unread)?$/;

/** Every message text in the open conversation, and whether any id is shown twice. */
async function shownMessages(page) {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll('#messages p.text[data-id]')];
    const ids = lines.map((l) => l.dataset.id);
    return { texts: lines.map((l) => l.querySelector('.body').textContent), uniqueIds: new Set(ids).size === ids.length };
  });
}

function countOf(texts, text) {
  return texts.filter((t) => t === text).length;
}

test('browser users chat with each other, a terminal user and an original client; survive a server restart', async (t) => {
  const dataDir = scratchDir('hubchat-web-data.');
  const homes = scratchDir('hubchat-web-home.');
  // Keepalive after 2 s of silence (instead of 120 s): the pages must answer the server's
  // pings all through the run, or be cut off (and counted below as extra connections).
  const server = await new Server(buildDir, dataDir, ['--idle-timeout', '2']).start();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const people = [];
  let tess;
  let olga;
  t.after(async () => {
    await browser.close();
    olga?.close();
    if (tess && tess.child.exitCode === null) tess.child.kill();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(homes, { recursive: true, force: true });
  });

  const ana = await openUser(browser, server, { width: 1280, height: 800 });
  const ben = await openUser(browser, server, { width: 390, height: 844 }, { isMobile: true, hasTouch: true });
  people.push(ana, ben);

  await t.test('the page is served with a strict Content-Security-Policy', () => {
    const csp = ana.headers['content-security-policy'];
    assert.ok(csp, 'a Content-Security-Policy header');
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  await t.test('sign in with the keyboard alone; sign up with a password', async () => {
    // ana: the name field has the focus; Enter submits.
    await ana.page.keyboard.type('ana');
    await ana.page.keyboard.press('Enter');
    await ana.page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    assert.equal(await ana.page.evaluate(() => document.activeElement?.id), 'composer-input');

    await ben.page.getByLabel('Your name').fill('ben');
    await ben.page.getByLabel(/^Password/).fill('ben-secret-pw');
    await ben.page.getByLabel('Create an account with this password').check();
    await ben.page.getByRole('button', { name: 'Join the chat' }).click();
    await ben.page.getByRole('alert').filter({ hasText: 'The name ben is now registered' }).waitFor();
  });

  await t.test('a taken name is refused with a visible error, and another name works', async () => {
    const third = await openUser(browser, server, { width: 800, height: 600 });
    await third.page.getByLabel('Your name').fill('ANA');
    await third.page.getByRole('button', { name: 'Join the chat' }).click();
    await third.page.getByRole('alert').filter({ hasText: 'already taken: pick another name' }).waitFor();
    await third.context.close();
  });

  await t.test('a terminal user and an original client join; everyone is in the online list', async () => {
    tess = new TerminalClient(buildDir, server.port, path.join(homes, 'tess'));
    await tess.waitFor('Your name>');
    tess.type('tess');
    await tess.waitFor('You say');
    olga = await new OriginalClient('olga').connect(server.port);
    olga.clientList();
    await olga.waitForFrame((f) => f['client-list']?.some((c) => c.name === 'tess'), 'the client list');
    for (const { page } of people)
      for (const name of ['ana', 'ben', 'tess', 'olga']) await online(page, name).waitFor({ state: 'attached' });
  });

  await t.test('ALL: browser, terminal and original client all see each other', async () => {
    await sendFromComposer(ana.page, 'Hello from ana');
    await line(ben.page, 'Hello from ana').waitFor();
    await tess.waitFor('Message from ana: Hello from ana');
    await olga.waitForFrame((f) => f.user === 'ana' && f.message === 'Hello from ana' && f.dest === 'ALL', 'ana on ALL');

    tess.type('Hi all from the terminal');
    await tess.waitFor('Dest name>');
    tess.type('ALL');
    olga.say('ALL', 'Hello from the original client');
    for (const { page } of people) {
      await line(page, 'Hi all from the terminal').waitFor();
      await line(page, 'Hello from the original client').waitFor();
    }
    await tess.waitFor('Message from olga: Hello from the original client');
    // Consecutive messages of one sender share one header.
    await sendFromComposer(ana.page, 'and a second line from ana');
    await line(ben.page, 'and a second line from ana').waitFor();
    const lastGroup = ben.page.locator('#messages li.group').last();
    assert.equal(await lastGroup.locator('.sender').textContent(), 'ana');
  });

  await t.test('direct messages: browser to browser, terminal to browser, original client to browser', async () => {
    await openConversation(ana.page, 'Message ben');
    await ana.page.getByRole('heading', { name: '@ ben' }).waitFor();
    await sendFromComposer(ana.page, 'Just for you, ben');
    // ben is on ALL: the conversation appears with an unread count, also on the panel button.
    await ben.page.locator('#total-unread', { hasText: '1' }).waitFor();
    await openConversation(ben.page, 'ana, 1 unread');
    await line(ben.page, 'Just for you, ben').waitFor();

    tess.type('@ana psst from tess');
    await openConversation(ana.page, 'tess, 1 unread');
    await line(ana.page, 'psst from tess').waitFor();

    olga.say('ben', 'hi ben, olga here');
    await openConversation(ben.page, 'olga, 1 unread');
    await line(ben.page, 'hi ben, olga here').waitFor();
  });

  await t.test('a message to several people at once', async () => {
    await ana.page.getByLabel('Select ben for a group message').check();
    await ana.page.getByLabel('Select tess for a group message').check();
    await ana.page.getByRole('button', { name: 'Message 2 selected' }).click();
    await ana.page.getByRole('heading', { name: '@ ben, tess' }).waitFor();
    const mark = tess.mark();
    await sendFromComposer(ana.page, 'To ben and tess');
    await tess.waitFor('Message from ana: To ben and tess', mark);
    await openConversation(ben.page, 'ana, tess, 1 unread');
    await line(ben.page, 'To ben and tess').waitFor();
    tess.type('@ana,ben tess answers both');
    await line(ana.page, 'tess answers both').waitFor();
  });

  await t.test('a room: join from the panel, talk with the terminal user, unread counts', async () => {
    await ana.page.getByLabel('Room to join or create').fill('#garden');
    await ana.page.keyboard.press('Enter');
    await ana.page.getByRole('heading', { name: '#garden' }).waitFor();
    await log(ana.page).getByText('You joined #garden').waitFor();

    await withPanel(ben.page, () => ben.page.getByRole('button', { name: 'Join #garden' }).click());
    await ben.page.getByRole('heading', { name: '#garden' }).waitFor();
    await log(ana.page).getByText('ben joined #garden').waitFor();

    tess.type('/join #garden');
    await log(ana.page).getByText('tess joined #garden').waitFor();
    tess.type('#garden roses are red');
    await line(ana.page, 'roses are red').waitFor();
    await line(ben.page, 'roses are red').waitFor();
    const mark = tess.mark();
    await sendFromComposer(ben.page, 'violets are blue');
    await tess.waitFor('Message from ben in #garden: violets are blue', mark);
    await line(ana.page, 'violets are blue').waitFor();

    // ana looks at ALL; ben talks in the room: a count appears on #garden, and clears on opening it.
    await openConversation(ana.page, ALL);
    await sendFromComposer(ben.page, 'sugar is sweet');
    await ana.page.getByRole('button', { name: '#garden, 1 unread' }).waitFor();
    await openConversation(ana.page, '#garden, 1 unread');
    await line(ana.page, 'sugar is sweet').waitFor();
    await ana.page.getByRole('button', { name: '#garden', exact: true }).waitFor();
  });

  await t.test('history: a newcomer sees what was said before, in ALL and in a room she joins', async () => {
    const cleo = await openUser(browser, server, { width: 1024, height: 700 });
    await cleo.page.getByLabel('Your name').fill('cleo');
    await cleo.page.keyboard.press('Enter');
    await line(cleo.page, 'Hello from the original client').waitFor();
    await line(cleo.page, 'Hello from ana').waitFor();
    await cleo.page.getByLabel('Room to join or create').fill('garden');
    await cleo.page.keyboard.press('Enter');
    await line(cleo.page, 'roses are red').waitFor();
    await line(cleo.page, 'sugar is sweet').waitFor();
    const shown = await shownMessages(cleo.page);
    assert.deepEqual(shown.texts, ['roses are red', 'violets are blue', 'sugar is sweet']);
    assert.deepEqual(cleo.problems, []);
    await cleo.context.close();
  });

  await t.test('screenshots at desktop and phone sizes, light and dark', async () => {
    await ana.page.screenshot({ path: path.join(outDir, 'desktop.png') });
    await ana.page.emulateMedia({ colorScheme: 'dark' });
    await openConversation(ana.page, ALL);
    await ana.page.screenshot({ path: path.join(outDir, 'desktop-dark.png') });
    await ana.page.emulateMedia({ colorScheme: 'light' });
    await ben.page.screenshot({ path: path.join(outDir, 'phone.png') });
    // Nothing sticks out sideways on a phone, and every control says what it is.
    for (const { page } of people) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('button, input, textarea')]
          .filter((el) => el.offsetParent !== null)
          .filter((el) => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim()))
          .map((el) => el.outerHTML),
      );
      assert.deepEqual(unnamed, []);
    }
    await withPanel(ben.page, async () => ben.page.screenshot({ path: path.join(outDir, 'phone-panel.png') }));
    await ben.page.keyboard.press('Escape');
    await ben.page.getByRole('button', { name: 'Rooms and people', expanded: false }).waitFor();
  });

  await t.test('nobody else saw the direct messages', async () => {
    const mark = tess.mark();
    olga.say('ALL', 'marker after the direct messages');
    // Frames reach each client in the order the server handled them: once this arrives,
    // any earlier message meant for them has arrived too.
    await tess.waitFor('marker after the direct messages', mark);
    await olga.waitForFrame((f) => f.message === 'marker after the direct messages', 'the marker');
    assert.ok(!tess.output.includes('Just for you, ben'));
    assert.ok(!olga.frames.some((f) => /Just for you|To ben and tess|psst/.test(f.message ?? '')));
  });

  await t.test('the online list updates when someone leaves', async () => {
    assert.equal(await tess.quit(), 0);
    for (const { page } of people) await online(page, 'tess').waitFor({ state: 'detached' });
    await openConversation(ana.page, ALL);
    await log(ana.page).getByText('tess left').waitFor();
  });

  await t.test('an oversize message is refused with a visible error; the connection stays', async () => {
    await sendFromComposer(ana.page, 'x'.repeat(70000));
    await ana.page.getByRole('alert').filter({ hasText: 'Message too large' }).waitFor();
    await log(ana.page).locator('p.text.failed').waitFor();
    await sendFromComposer(ana.page, 'still connected after the big one');
    await openConversation(ben.page, ALL);
    await line(ben.page, 'still connected after the big one').waitFor();
    assert.ok(!(await ben.page.content()).includes('x'.repeat(1000)), 'nobody received the oversize message');
  });

  await t.test('server restart: both pages reconnect and resume, nothing lost or doubled', async () => {
    await openConversation(ben.page, ALL);
    const before = {
      ana: (await shownMessages(ana.page)).texts,
      ben: (await shownMessages(ben.page)).texts,
    };
    await server.stop();
    // Wait until both pages are in a long enough back-off that the messages below are sent
    // while they are away (the resume must bring them); shown as a countdown in the status.
    for (const { page } of [ben, ana])
      await page.getByRole('status').filter({ hasText: /reconnecting in ([3-9]\.\d|\d\d) s/ }).waitFor({ timeout: 30000 });
    await server.start(); // same port, same data directory
    olga = await new OriginalClient('olga').connect(server.port);
    olga.say('ALL', 'said while you were away 1');
    olga.say('ALL', 'said while you were away 2');
    olga.say('ben', 'kept for ben while away');
    await olga.waitForFrame((f) => f.message === 'said while you were away 2', 'its own ALL message');

    for (const { page } of people) {
      await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30000 });
      await line(page, 'said while you were away 2').waitFor();
    }
    assert.ok(ana.replayed.length > 0, 'ana was sent a replay after resuming');
    for (const [name, user] of [['ana', ana], ['ben', ben]]) {
      const after = await shownMessages(user.page);
      assert.ok(after.uniqueIds, `${name}: no message shown twice`);
      for (const text of [...before[name], 'said while you were away 1', 'said while you were away 2'])
        assert.equal(countOf(after.texts, text), 1, `${name}: "${text.slice(0, 40)}" shown once`);
    }
    // ben has an account: the direct message sent while away is delivered at the resume.
    await openConversation(ben.page, /^olga, 1 unread/);
    await line(ben.page, 'kept for ben while away').waitFor();
    const dm = await shownMessages(ben.page);
    assert.equal(countOf(dm.texts, 'hi ben, olga here'), 1);
    assert.equal(countOf(dm.texts, 'kept for ben while away'), 1);

    // Online again: both browsers list each other; ana is back in #garden.
    for (const { page } of people) for (const name of ['ana', 'ben', 'olga']) await online(page, name).waitFor({ state: 'attached' });
    await openConversation(ben.page, '#garden');
    await sendFromComposer(ben.page, 'the garden survived');
    await ana.page.getByRole('button', { name: '#garden, 1 unread' }).waitFor();
    await sendFromComposer(ana.page, 'and so did ALL');
    await openConversation(ben.page, ALL);
    await line(ben.page, 'and so did ALL').waitFor();
  });

  await t.test('page weight and load time (written to metrics.json)', async () => {
    const metrics = {};
    for (const [label, network] of [
      ['loopback', null],
      // Chromium's "Fast 3G" preset: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
      ['fast 3G', { latency: 150, downloadThroughput: (1.6e6 / 8) * 0.9, uploadThroughput: (750e3 / 8) * 0.9 }],
    ]) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      if (network) {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, ...network });
      }
      await page.goto(server.url, { waitUntil: 'load' });
      await page.getByLabel('Your name').waitFor();
      metrics[label] = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const resources = performance.getEntriesByType('resource');
        return {
          domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
          loadMs: Math.round(nav.loadEventEnd),
          files: [nav, ...resources].map((e) => ({
            url: new URL(e.name).pathname,
            transferBytes: e.transferSize,
            bodyBytes: e.encodedBodySize,
            decodedBytes: e.decodedBodySize,
          })),
        };
      });
      await context.close();
    }
    fs.writeFileSync(path.join(outDir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    console.log(JSON.stringify(metrics));
    const bytes = metrics.loopback.files.reduce((n, f) => n + f.decodedBytes, 0);
    // A budget, so that the page stays small: everything it loads, uncompressed.
    assert.ok(bytes < 64 * 1024, `the page loads ${bytes} bytes; keep it under 64 KiB`);
  });

  await t.test('no script errors and no Content-Security-Policy violations', () => {
    for (const { problems } of people) assert.deepEqual(problems, []);
  });

  await t.test("the pages answered the server's keepalive pings: one session each before and after the restart", async () => {
    for (const { sockets } of people) {
      // Silent for 2 s, a page is pinged (within a second more): wait for its answer.
      await Promise.race([
        sockets.ponged,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no pong within 10 s')), 10000).unref()),
      ]);
      // Attempts refused while the server was down do not count: only welcomed sessions.
      assert.equal(sockets.welcomes, 2);
    }
  });
});

test('over TLS the page is served by HTTPS and talks to its WSS socket on the same port', async (t) => {
  const dataDir = scratchDir('hubchat-web-tls.');
  const server = await new Server(buildDir, dataDir, ['--tls']).start();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  t.after(async () => {
    await browser.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  // The certificate is the server's self-signed one, made at its first start.
  const url = server.url.replace('http://', 'https://');
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  let socketUrl = '';
  page.on('websocket', (ws) => (socketUrl = ws.url()));
  const response = await page.goto(url);
  assert.equal(response.status(), 200);
  await page.getByLabel('Your name').fill('tina');
  await page.getByRole('button', { name: 'Join the chat' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
  assert.equal(socketUrl, url.replace('https://', 'wss://') + 'ws');
  await sendFromComposer(page, 'hello over TLS');
  await page.locator('#messages p.text[data-id] .body', { hasText: 'hello over TLS' }).waitFor();
});

test("a private hub: the page asks for the hub's password when the server wants it", async (t) => {
  const dataDir = scratchDir('hubchat-web-private.');
  const passwordFile = path.join(dataDir, 'hub.pw');
  fs.writeFileSync(passwordFile, 'open sesame\n', { mode: 0o600 });
  const server = await new Server(buildDir, dataDir, ['--server-password-file', passwordFile]).start();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  t.after(async () => {
    await browser.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const { page } = await openUser(browser, server, { width: 800, height: 600 });
  const hubPassword = page.getByLabel(/^Hub password/);
  assert.equal(await hubPassword.isVisible(), false, 'hidden until the server asks');
  await page.getByLabel('Your name').fill('pia');
  await page.getByRole('button', { name: 'Join the chat' }).click();
  await page.getByRole('alert').filter({ hasText: 'needs its password' }).waitFor();
  await hubPassword.fill('wrong');
  await page.getByRole('button', { name: 'Join the chat' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong server password' }).waitFor();
  await hubPassword.fill('open sesame');
  await page.getByRole('button', { name: 'Join the chat' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
});
