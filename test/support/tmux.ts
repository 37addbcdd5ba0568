import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

// A real terminal for the real binary: tmux runs it, send-keys types, and
// capture-pane reads what an operator would see.

export interface Terminal {
	screen(): Promise<string>;
	/** Poll the screen (bounded) until it shows `text`; the error holds the last screen. */
	waitForScreen(text: string | RegExp, timeoutMs?: number): Promise<string>;
	keys(...sequence: string[]): Promise<void>;
	kill(): Promise<void>;
}

export const tmux = (...args: string[]) => execa('tmux', args, { timeout: 10_000 });

export function terminal(session: string): Terminal {
	const screen = async () => (await tmux('capture-pane', '-p', '-t', session)).stdout;
	return {
		screen,
		async waitForScreen(text, timeoutMs = 20_000) {
			const deadline = Date.now() + timeoutMs;
			let last = '';
			while (Date.now() < deadline) {
				last = await screen();
				if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
				await new Promise((resolve) => setTimeout(resolve, 200));
			}
			throw new Error(`the terminal never showed ${String(text)}; last screen:\n${last}`);
		},
		async keys(...sequence) {
			for (const key of sequence) {
				await tmux('send-keys', '-t', session, key);
				await new Promise((resolve) => setTimeout(resolve, 150));
			}
		},
		async kill() {
			await tmux('kill-session', '-t', session).catch(() => undefined);
		},
	};
}

const bin = fileURLToPath(new URL('../../bin/upgrade-wizard.js', import.meta.url));
const recordExit = fileURLToPath(new URL('./record-exit.mjs', import.meta.url));

export interface WizardInTerminal {
	/** The wizard's exit status once it ended (bounded wait); the error says it never did. */
	exitStatus(timeoutMs?: number): Promise<string>;
}

/**
 * The shipped binary in a fresh tmux session of `columns` x `rows`, with its own
 * state dir and NO_COLOR; record-exit writes the exit status to a file in the state
 * dir, read by exitStatus (the pane stays after the exit, for capture-pane).
 */
export async function wizardInTerminal(
	session: string,
	options: { state: string; args: string[]; columns?: number; rows?: number; env?: string[] },
): Promise<WizardInTerminal> {
	const statusFile = join(options.state, 'exit-status');
	rmSync(statusFile, { force: true });
	const env = ['XDG_STATE_HOME=' + options.state, 'NO_COLOR=1', ...(options.env ?? [])].flatMap((each) => ['-e', each]);
	await tmux('kill-session', '-t', session).catch(() => undefined);
	await tmux('new-session', '-d', '-s', session, '-x', String(options.columns ?? 80), '-y', String(options.rows ?? 24), ...env, '--',
		process.execPath, recordExit, statusFile, process.execPath, bin, ...options.args);
	await tmux('set-option', '-t', session, 'remain-on-exit', 'on');
	return {
		async exitStatus(timeoutMs = 10_000) {
			const deadline = Date.now() + timeoutMs;
			while (Date.now() < deadline) {
				if (existsSync(statusFile)) return readFileSync(statusFile, 'utf8').trim();
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			throw new Error(`the wizard did not exit within ${timeoutMs} ms`);
		},
	};
}
