import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const BIN = path.join(__dirname, '../../bin/shelfstack.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `shelfstack ARGS` as a real process, as an operator would. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30000): Promise<CliResult> {
  return runNode([BIN, ...args], env, timeoutMs, `shelfstack ${args.join(' ')}`);
}

/** Starts `shelfstack ARGS` in the background; resolves once its stdout contains `ready`. */
export function startCli(args: string[], ready: string | RegExp, env: NodeJS.ProcessEnv = {}, timeoutMs = 30000): Promise<{ child: ChildProcess; output: () => string }> {
  return startNode([BIN, ...args], ready, env, timeoutMs, `shelfstack ${args.join(' ')}`);
}

/**
 * `node ARGV` to its end. On a timeout the child is killed (SIGKILL: it may ignore SIGTERM) and
 * the promise rejects only once it has exited, so no test leaves it running.
 */
export function runNode(argv: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30000, name = `node ${argv.join(' ')}`): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${name} did not finish in ${timeoutMs}ms (killed)\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** `node ARGV` in the background, resolved once its stdout shows `ready`; killed (and awaited) if it is not ready in time. */
export function startNode(argv: string[], ready: string | RegExp, env: NodeJS.ProcessEnv = {}, timeoutMs = 30000, name = `node ${argv.join(' ')}`): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      child.kill('SIGKILL');
      void exitOf(child).then(() => reject(new Error(`${name} not ready in ${timeoutMs}ms (killed):\n${out}`)));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      if (!settled && (typeof ready === 'string' ? out.includes(ready) : ready.test(out))) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
