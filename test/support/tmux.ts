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
