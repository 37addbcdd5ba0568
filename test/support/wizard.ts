import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// The real binary, as an operator runs it: no TTY, its own state dir.

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'upgrade-wizard.js');

export interface WizardRun {
	exitCode: number;
	stdout: string;
	stderr: string;
	stateDir: string;
}

export function newStateHome(): string {
	return mkdtempSync(join(tmpdir(), 'uw-state-'));
}

export async function runWizard(args: string[], options: { env?: Record<string, string>; stateHome?: string; timeoutMs?: number } = {}): Promise<WizardRun> {
	const stateHome = options.stateHome ?? newStateHome();
	const result = await execa('node', [bin, ...args], {
		reject: false,
		timeout: options.timeoutMs ?? 300_000,
		stdin: 'ignore',
		env: { XDG_STATE_HOME: stateHome, ...options.env },
	});
	return {
		exitCode: result.exitCode ?? -1,
		stdout: result.stdout,
		stderr: result.stderr,
		stateDir: join(stateHome, 'upgrade-wizard'),
	};
}
