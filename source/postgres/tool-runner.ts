import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { execa } from 'execa';
import type { DatabaseTarget } from './database-target.js';
import { execInContainer, runOneOff, type ProcessIo, type ProcessResult } from './docker-exec.js';
import { hostToolEnv, libpqSettings } from './libpq-env.js';
import type { PgTools } from './pg-tools.js';

// One way to run pg_dump, pg_restore and psql for a target, wherever they have
// to run: on the host (execa, argument arrays, connection in the environment),
// inside the database container (docker exec), or in a one-off container of a
// Postgres image on the database's network. Callers see the same interface.

export type PgTool = 'pg_dump' | 'pg_restore' | 'psql';

export interface ToolRunner {
	/** For messages: where the tools run. */
	readonly where: string;
	/**
	 * Run one tool. `archive` names a dump file on the host: host tools get its
	 * path as an argument, tools in a container get it streamed on stdin.
	 */
	run(tool: PgTool, args: string[], io?: ProcessIo & { archive?: string; createStdin?: () => Readable; privateFiles?: boolean }): Promise<ProcessResult>;
}

export function applicationName(): string {
	return `upgrade-wizard-${randomBytes(4).toString('hex')}`;
}

export function hostRunner(target: DatabaseTarget, tools: PgTools): ToolRunner {
	const paths: Record<PgTool, string> = { pg_dump: tools.pgDump, pg_restore: tools.pgRestore, psql: tools.psql };
	return {
		where: `host ${tools.pgDump.replace(/\/pg_dump$/, '')} (PostgreSQL ${tools.major})`,
		async run(tool, args, io = {}) {
			const stdin = io.stdin ?? io.createStdin?.();
			// pg_dump -Fd creates its files with the umask: the child starts with 077,
			// so a dump file is 0600 from the moment it exists (spawn is synchronous).
			const umask = io.privateFiles ? process.umask(0o077) : undefined;
			const spawn = () => execa(paths[tool], io.archive ? [...args, io.archive] : args, {
				env: hostToolEnv(target, applicationName()),
				extendEnv: false,
				stdin: stdin ? 'pipe' : 'ignore',
				stdout: 'pipe',
				stderr: 'pipe',
				buffer: { stdout: !io.stdout, stderr: true },
				maxBuffer: 64 * 1024 * 1024,
				stripFinalNewline: false,
				reject: false,
				cancelSignal: io.signal,
				forceKillAfterDelay: 3_000,
			});
			let child: ReturnType<typeof spawn>;
			try {
				child = spawn();
			} finally {
				if (umask !== undefined) process.umask(umask);
			}
			if (stdin && child.stdin) {
				// A tool that stops reading early closes its stdin: not an error of ours.
				child.stdin.on('error', () => undefined);
				stdin.on('error', () => undefined);
				stdin.pipe(child.stdin);
			}
			// A failing sink (disk full) destroys the tool's stdout, so the tool dies of EPIPE.
			const copied = io.stdout && child.stdout ? pipeline(child.stdout, io.stdout).then(() => undefined, (error: Error) => error) : undefined;
			const result = await child;
			const copyError = await copied;
			stdin?.destroy();
			return {
				exitCode: result.exitCode ?? -1,
				stdout: io.stdout ? '' : String(result.stdout ?? ''),
				stderr: String(result.stderr ?? ''),
				aborted: Boolean(result.isCanceled),
				...(copyError && !result.isCanceled ? { error: copyError } : {}),
			};
		},
	};
}

/**
 * The run's engine client for a target reached through a container. There is
 * no default: an engine picked here (the default socket) could be another one
 * than the run's --host/--context, and the tools would then run elsewhere.
 */
export function runEngine(docker: Docker | undefined, target: DatabaseTarget): Docker {
	if (!docker) throw new Error(`internal error: no engine client given for the database of container ${target.container ?? target.image ?? '?'}`);
	return docker;
}

/**
 * Tools inside the DB container (target.container) connect to its local
 * socket; tools in a one-off container of target.image connect to
 * target.host:port over target.network.
 */
export function containerRunner(target: DatabaseTarget, given: Docker | undefined): ToolRunner {
	const docker = runEngine(given, target);
	const inDb = Boolean(target.container);
	return {
		where: inDb ? `container ${target.container}` : `a one-off ${target.image} container on ${target.network ?? 'bridge'}`,
		async run(tool, args, io = {}) {
			const appName = applicationName();
			const env = Object.entries(libpqSettings(target, inDb ? 'db-container' : 'one-off', appName)).map(([k, v]) => `${k}=${v}`);
			const stdin = io.archive ? createReadStream(io.archive) : (io.stdin ?? io.createStdin?.());
			const procIo: ProcessIo = { stdin, stdout: io.stdout, signal: io.signal };
			if (!inDb) return runOneOff(docker, { image: target.image!, network: target.network }, [tool, ...args], env, procIo);
			const result = await execInContainer(docker, target.container!, [tool, ...args], env, procIo);
			if (result.aborted || result.error) {
				// An exec cannot be killed through the API: end its server session
				// instead, which makes the tool exit.
				await execInContainer(docker, target.container!, [
					'psql', '-X', '-q', '-t', '-A', '-c',
					`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${appName}' AND pid <> pg_backend_pid()`,
				], env.filter((e) => !e.startsWith('PGAPPNAME='))).catch(() => undefined);
			}
			return result;
		},
	};
}
