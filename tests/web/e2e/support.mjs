// The other parties of the browser tests: the real hubchat-server, the real terminal
// client in a pseudo-terminal, and an original-dialect client on a raw TCP socket.
// Everything waits on conditions (output seen, socket data), never on fixed sleeps.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TIMEOUT_MS = 15000;

/** Resolves when `check()` returns a truthy value, re-checked whenever `emitter` emits `event`. */
function waitUntil(emitter, event, check, what, timeoutMs = TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const first = check();
    if (first) return resolve(first);
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    function onEvent() {
      const value = check();
      if (!value) return;
      clearTimeout(timer);
      emitter.off(event, onEvent);
      resolve(value);
    }
    emitter.on(event, onEvent);
  });
}

/** hubchat-server from the build directory, with its own data directory. */
export class Server {
  constructor(buildDir, dataDir, extraArgs = []) {
    this.bin = path.join(buildDir, 'src/hubchat-server');
    this.dataDir = dataDir;
    this.extraArgs = extraArgs;
    this.port = 0;
    this.log = '';
  }

  async start() {
    this.log = ''; // a restart must not take the previous run's banner for its own
    // Flood control stays on (the defaults people run): the tests send far below it.
    this.child = spawn(this.bin, ['--data-dir', this.dataDir, '--host', '127.0.0.1', '--port', String(this.port), ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (d) => (this.log += d));
    this.child.stderr.on('data', (d) => (this.log += d));
    const exited = once(this.child, 'exit').then(([code]) => {
      throw new Error(`hubchat-server exited (${code}) before listening:\n${this.log}`);
    });
    const listening = waitUntil(
      this.child.stdout,
      'data',
      () => this.log.match(/listening on (\S+):(\d+)\n/),
      'the server to announce its port',
    );
    const match = await Promise.race([listening, exited]);
    this.port = Number(match[2]);
    this.url = `http://127.0.0.1:${this.port}/`;
    return this;
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exit;
  }
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r/g;

/** The real terminal client, typed at through a pseudo-terminal. */
export class TerminalClient {
  constructor(buildDir, port, home) {
    fs.mkdirSync(home, { recursive: true });
    this.output = '';
    this.child = spawn(
      'python3',
      [path.join(here, 'pty_bridge.py'), path.join(buildDir, 'src/client/hubchat'), '--machine-name:127.0.0.1', `--port:${port}`],
      // Its own HOME: the client remembers the last message seen in ~/.local/state.
      { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: home, TERM: 'xterm', NO_COLOR: '1' } },
    );
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d) => (this.output += d.replace(ANSI, '')));
  }

  /** Waits until the screen output (escape codes removed) contains `text` after `from`. */
  waitFor(text, from = 0) {
    return waitUntil(this.child.stdout, 'data', () => this.output.indexOf(text, from) >= 0, `the terminal to show ${JSON.stringify(text)}:\n${this.output.slice(-2000)}`);
  }

  type(line) {
    this.child.stdin.write(line + '\r');
  }

  /** Position after everything shown so far: later waits look only at what comes next. */
  mark() {
    return this.output.length;
  }

  async quit() {
    const exit = once(this.child, 'exit');
    this.type('q');
    const [code] = await exit;
    return code;
  }
}

/**
 * The original Python client's wire behaviour: no hello, its name in every frame, frames
 * exactly as it wrote them; it reads the server's objects one per write, with no newline.
 */
export class OriginalClient {
  constructor(name) {
    this.name = name;
    this.frames = [];
    this.buffer = '';
  }

  async connect(port) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('data', (d) => {
      this.buffer += d;
      this.splitFrames();
    });
    await once(this.socket, 'connect');
    return this;
  }

  /** Splits concatenated JSON objects with a brace- and string-aware scan. */
  splitFrames() {
    let depth = 0;
    let inString = false;
    let escaped = false;
    let start = -1;
    let consumed = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{') {
        if (depth++ === 0) start = i;
      } else if (c === '}' && --depth === 0) {
        this.frames.push(JSON.parse(this.buffer.slice(start, i + 1)));
        consumed = i + 1;
      }
    }
    this.buffer = this.buffer.slice(consumed);
  }

  clientList() {
    this.socket.write(`{"user": ${JSON.stringify(this.name)}, "request": "ClientList"}`);
  }

  say(dest, message) {
    this.socket.write(`{"user": ${JSON.stringify(this.name)}, "message": ${JSON.stringify(message)}, "dest": ${JSON.stringify(dest)}}`);
  }

  waitForFrame(predicate, what) {
    return waitUntil(this.socket, 'data', () => this.frames.find(predicate), `${this.name} to receive ${what}: ${JSON.stringify(this.frames.slice(-5))}`);
  }

  close() {
    this.socket.end();
  }
}

export function scratchDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
