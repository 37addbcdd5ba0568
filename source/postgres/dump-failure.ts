import type Docker from 'dockerode';
import { connectionKindOfText, connectionMessage, keyLine } from './connection-errors.js';
import type { DatabaseTarget } from './database-target.js';
import { BackupError } from './errors.js';
import { runEngine, type ToolRunner } from './tool-runner.js';

// What a failed pg_dump means, in words an operator can act on: a missing
// tool, a refused connection, or the database going away mid-dump.

export function toolFailure(target: DatabaseTarget, runner: ToolRunner, tool: string, exitCode: number, stderr: string): BackupError {
	if (exitCode === 126 || exitCode === 127 || /executable file not found/i.test(stderr)) {
		return new BackupError('no-pg-dump', `no ${tool} in ${runner.where}`);
	}
	const kind = connectionKindOfText(stderr);
	if (kind) return new BackupError(kind, connectionMessage(kind, target, keyLine(stderr)), [target.password]);
	return new BackupError('dump-failed', `${tool} failed for ${target.display}: ${keyLine(stderr) || `exit code ${exitCode}`}`, [target.password]);
}

/** What libpq tools print when the server went away after they connected (shut down, killed, connection cut). */
const LOST_SERVER = /terminating connection|server closed the connection unexpectedly|connection to server was lost|could not receive data from server|PQgetCopyData\(\) failed|SSL SYSCALL error|SSL connection has been closed unexpectedly|the database system is shutting down|no connection to the server/i;

/** The server's own words when it gave any (FATAL/ERROR), else the line that says the connection broke. */
export function lostServerDetail(stderr: string): string {
	const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
	const server = lines.find((line) => /\b(FATAL|PANIC|ERROR):/.test(line));
	if (server) return server.replace(/^.*?\b(?=(FATAL|PANIC|ERROR):)/, '').replace(/\s+/g, ' ');
	const broke = lines.find((line) => LOST_SERVER.test(line) && !/PQgetCopyData/.test(line));
	return broke ? broke.replace(/^(pg_dump|pg_restore|psql):\s*((error|detail):\s*)?/, '').replace(/^Error message from server:\s*/i, '') : keyLine(stderr);
}

/**
 * pg_dump did not finish. When the database went away in the middle (its
 * container stopped, the server shut down or was killed), say that, rather
 * than a bare exit code: it is the database, not the backup, that needs
 * looking at.
 */
export async function dumpFailure(target: DatabaseTarget, runner: ToolRunner, docker: Docker | undefined, exitCode: number, stderr: string): Promise<BackupError> {
	const lost = LOST_SERVER.test(stderr);
	if (target.container) {
		const engine = runEngine(docker, target);
		const inspectState = () => engine.getContainer(target.container!).inspect().then((info) => info.State, () => undefined);
		let state = await inspectState();
		// A tool killed with its container (or cut off by a shutting-down server) ends a
		// moment before the engine marks the container stopped: wait for that, bounded.
		const killed = lost || exitCode < 0 || exitCode >= 128;
		for (let attempt = 0; killed && state?.Running && attempt < 30; attempt++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			state = await inspectState();
		}
		if (!state) return new BackupError('unreachable', `the database container ${target.container} disappeared during the dump`);
		if (!state.Running) {
			const how = state.OOMKilled ? 'killed for lack of memory' : `${state.Status || 'not running'}, exit code ${state.ExitCode}`;
			return new BackupError('unreachable', `the database container ${target.container} stopped during the dump (${how})`);
		}
	}
	if (lost) {
		return new BackupError('unreachable', `lost the database server of ${target.display} during the dump (${lostServerDetail(stderr)})`, [target.password]);
	}
	return toolFailure(target, runner, 'pg_dump', exitCode, stderr);
}
