import type Docker from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import { tool } from './server-sql.js';
import type { PostgresServerUnit } from './unit.js';
import { superuserPassword } from './server-conn.js';

// The temporary server: the NEW image on the NEW volume, with the old
// container's env (POSTGRES_USER/PASSWORD/DB, PGDATA, initdb arguments) and
// command, on the old container's network but without its aliases or ports,
// so no client can reach it by mistake while the data moves in.

export const TEMP_LABEL = 'io.upgrade-wizard.temp-server';
const READY_TIMEOUT_MS = 120_000;

/**
 * Settings for the load alone, on a server whose data is thrown away if it fails:
 * no WAL for tables pg_restore creates and fills in one transaction (minimal WAL,
 * which parallel pg_restore relies on with its TRUNCATE before COPY), no commit
 * waits, no checkpoints or autovacuum in the middle (ANALYZE runs after), room
 * for index builds. fsync stays on, so the clean stop at the end leaves the new
 * volume durable; the new container starts with its own command, without these.
 */
export const LOAD_SETTINGS = [
	'wal_level=minimal',
	'max_wal_senders=0',
	'synchronous_commit=off',
	'full_page_writes=off',
	'autovacuum=off',
	'checkpoint_timeout=1h',
	'max_wal_size=8GB',
	'maintenance_work_mem=256MB',
];

/**
 * The temporary server's command: the container's own (or the image's), with the
 * load settings when it is the server itself (`postgres ...` through the image's
 * entrypoint, which passes -c options on); any other command is left as it is.
 */
export function loadCommand(cmd: string[] | undefined, imageCmd: string[] | undefined, customEntrypoint: boolean): string[] | undefined {
	const effective = cmd ?? imageCmd;
	if (customEntrypoint || !effective || effective[0] !== 'postgres') return cmd;
	return [...effective, ...LOAD_SETTINGS.flatMap((setting) => ['-c', setting])];
}

export function tempServerOptions(unit: PostgresServerUnit, runLabel: string, imageCmd?: string[]): ContainerCreateOptions {
	const create = unit.spec.create;
	const cmd = loadCommand(create.Cmd, imageCmd, Boolean(create.Entrypoint));
	return {
		name: unit.tempName,
		Image: unit.targetRef,
		Env: create.Env,
		...(cmd ? { Cmd: cmd } : {}),
		...(create.Entrypoint ? { Entrypoint: create.Entrypoint } : {}),
		...(create.User ? { User: create.User } : {}),
		Labels: { [TEMP_LABEL]: unit.name, 'io.upgrade-wizard.run': runLabel },
		HostConfig: {
			NetworkMode: unit.network,
			Mounts: [
				{ Type: 'volume', Source: unit.data.newVolume, Target: unit.data.destination },
				...(unit.passwordFile ? [{ Type: unit.passwordFile.mount.type, Source: unit.passwordFile.mount.source, Target: unit.passwordFile.mount.destination, ReadOnly: true }] : []),
			],
			...(create.HostConfig?.ShmSize ? { ShmSize: create.HostConfig.ShmSize } : {}),
		},
	};
}

/** The temporary server's address on the network, once it runs. */
export async function addressOf(docker: Docker, id: string, network: string): Promise<string> {
	const info = await docker.getContainer(id).inspect();
	const networks = info.NetworkSettings?.Networks ?? {};
	return (networks[network] ?? Object.values(networks)[0])?.IPAddress ?? '';
}

/**
 * Ready means serving over TCP: the official entrypoint's first start runs a
 * socket-only server for initdb scripts and restarts it, so only a TCP answer
 * says the real one is up. Bounded in time; a server that exits is a failure.
 */
export async function waitReady(docker: Docker, id: string, unit: PostgresServerUnit, signal?: AbortSignal): Promise<void> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	let last = '';
	for (let attempt = 0; Date.now() < deadline && attempt < 600; attempt++) {
		if (signal?.aborted) throw new Error('aborted while the temporary server started');
		const state = (await docker.getContainer(id).inspect()).State;
		if (!state.Running) throw new Error(`the temporary server ${unit.tempName} exited (${state.Status}, exit code ${state.ExitCode}) before it was ready`);
		const probe = await tool(docker, id, { host: '127.0.0.1', port: unit.port, user: unit.superuser, password: superuserPassword(unit), database: 'postgres' }, ['psql', '-X', '-q', '-t', '-A', '-w', '-c', 'SELECT 1']).catch(
			(error: Error) => ({ exitCode: -1, stdout: '', stderr: error.message, aborted: false }),
		);
		if (probe.exitCode === 0 && probe.stdout.trim() === '1') return;
		last = probe.stderr.trim().split('\n').at(-1) ?? '';
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`the temporary server ${unit.tempName} was not ready within ${READY_TIMEOUT_MS / 1000} s${last ? ` (${last})` : ''}`);
}
