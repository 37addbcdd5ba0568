import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';

/** XDG_STATE_HOME/upgrade-wizard, else ~/.local/state/upgrade-wizard. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
	const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
	return join(base, 'upgrade-wizard');
}

/** Where backups go: --backup-dir as given (made absolute: it means the directory it named when given), else the state dir's backups/. */
export function backupDirOf(state: string, option: string | undefined): string {
	return resolve(option ?? join(state, 'backups'));
}

/** Create a private directory (0700): journals and backups hold sensitive data. */
export async function ensurePrivateDir(path: string): Promise<string> {
	await mkdir(path, { recursive: true, mode: 0o700 });
	return path;
}
