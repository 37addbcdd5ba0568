import { execa } from 'execa';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.js';

// The real binary, as an operator runs it: no TTY, its own state dir.

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'upgrade-wizard.js');

export interface WizardRun {
	exitCode: number;
	stdout: string;
	stderr: string;
	stateDir: string;
}

export function newStateHome(): string {
	return tempDir('uw-state-');
}

export interface WizardOptions {
	env?: Record<string, string>;
	stateHome?: string;
	timeoutMs?: number;
	/**
	 * Called with each line of stdout as it arrives (the output is still
	 * collected in full): lets a test act at a given point of a run, e.g.
	 * break something once a step has started. `wizard.pid` is the wizard's
	 * process. Must not throw: that would cut the wizard's stdout.
	 */
	onLine?: (line: string, wizard: { pid?: number }) => void;
}

export async function runWizard(args: string[], options: WizardOptions = {}): Promise<WizardRun> {
	const stateHome = options.stateHome ?? newStateHome();
	const { onLine } = options;
	const wizard: { pid?: number } = {};
	const subprocess = execa('node', [bin, ...args], {
		reject: false,
		timeout: options.timeoutMs ?? 300_000,
		stdin: 'ignore',
		env: { XDG_STATE_HOME: stateHome, ...options.env },
		...(onLine
			? {
					stdout: [
						function* (line: unknown) {
							onLine(String(line), wizard);
							yield line;
						},
					],
				}
			: {}),
	});
	wizard.pid = subprocess.pid;
	const result = await subprocess;
	return {
		exitCode: result.exitCode ?? -1,
		stdout: result.stdout,
		stderr: result.stderr,
		stateDir: join(stateHome, 'upgrade-wizard'),
	};
}

/** One NDJSON event of `--json`, as far as tests look at it. */
export interface WizardEvent {
	type: string;
	step?: string;
	action?: string;
	reason?: string;
	container?: string;
}

/**
 * Run the wizard with `--json` and send it a signal the moment an event
 * matches (SIGKILL for the crash matrix, SIGTERM/SIGHUP/SIGINT for aborts);
 * `second` is sent 50 ms later. Says whether the signal was sent at all.
 */
export async function signalWhen(
	args: string[],
	signal: NodeJS.Signals,
	match: (event: WizardEvent) => boolean,
	options: WizardOptions & { second?: NodeJS.Signals } = {},
): Promise<WizardRun & { events: WizardEvent[]; sent: boolean }> {
	const events: WizardEvent[] = [];
	let sent = false;
	const run = await runWizard([...args, '--json'], {
		...options,
		onLine: (line, wizard) => {
			let event: WizardEvent;
			try {
				event = JSON.parse(line) as WizardEvent;
			} catch {
				return;
			}
			events.push(event);
			if (sent || !match(event) || wizard.pid === undefined) return;
			sent = true;
			process.kill(wizard.pid, signal);
			const { second } = options;
			if (second) setTimeout(() => process.kill(wizard.pid!, second), 50);
		},
	});
	return { ...run, events, sent };
}
