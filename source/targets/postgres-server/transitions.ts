import type Docker from 'dockerode';
import { TransitionFailure, type Transition, type TransitionContext } from '../../core/ports.js';
import { createFromSpec, removeContainer, renameContainer, startContainer, stopContainer } from '../../docker/swap.js';
import { shortId } from '../../text/format.js';
import { healthGate } from '../container/health-gate.js';
import { moveDatabases, moveGlobals } from './data-move.js';
import { serverInventory, type ServerInventory } from './inventory.js';
import { loginFails } from './scram.js';
import { backupServer } from './server-backup.js';
import { freshConn, knownLogins, oldConn } from './server-conn.js';
import { oneOffJson } from './server-sql.js';
import { addressOf, tempServerOptions, waitReady } from './temp-server.js';
import { verifyMoved } from './verify-moved.js';
import type { PostgresServerUnit } from './unit.js';

// The transitions of a PostgreSQL major upgrade, in order, each with its typed
// undo (journaled before it runs). Everything before `stop-old` leaves the old
// server serving; the dependents are stopped first so the move reads every
// write, and started last, against the new server, each health-gated.

export function serverTransitions(docker: Docker, unit: PostgresServerUnit): Transition[] {
	const old = oldConn(unit);
	const fresh = freshConn(unit);
	const logins = knownLogins(unit);
	const state: { tempId: string; tempAddress: string; newId: string; inventory?: ServerInventory } = { tempId: '', tempAddress: '', newId: '' };
	const apps = unit.dependents;
	const downtimeOpens = apps.length > 0 ? 'stop-apps' : 'stop-old';

	const backup: Transition = {
		kind: 'backup-server',
		step: 'backup',
		intent: `back up ${unit.name}: roles and every database, verified, to ${unit.backupDir}`,
		undo: { kind: 'none', why: 'a backup changes nothing' },
		run: async (ctx) => {
			const names = await oneOffJson<string[]>(docker, { image: unit.targetRef, network: unit.network }, old, `SELECT coalesce(jsonb_agg(datname ORDER BY datname), '[]') FROM pg_database WHERE NOT datistemplate`);
			const result = await backupServer(docker, unit, old, names, unit.to, {
				signal: ctx.signal,
				onProgress: (bytes, elapsedMs) => ctx.emit({ type: 'progress', container: unit.name, step: 'backup', bytes, elapsedMs }),
			});
			for (const dump of result.dumps) await ctx.recordBackup(dump);
			await ctx.record({ globalsBackup: result.globals.path });
			return result.detail;
		},
	};

	const stopApps: Transition[] = apps.map((app, index) => ({
		kind: 'stop-app',
		step: 'stop-apps',
		intent: `stop ${app.name} (uses ${unit.name} through ${app.why}) with a ${app.stopTimeoutS} s timeout`,
		undo: { kind: 'start-container', containerId: app.id, name: app.name },
		...(index === 0 ? { downtime: 'opens' as const } : {}),
		run: () => stopContainer(docker, app.id, app.stopTimeoutS),
	}));

	const createVolume: Transition = {
		kind: 'create-volume',
		step: 'volume',
		intent: `create the volume ${unit.data.newVolume} for PostgreSQL ${unit.toMajor} (${unit.data.oldVolume} stays as it is)`,
		undo: { kind: 'remove-volume', volume: unit.data.newVolume },
		run: async () => {
			await docker.createVolume({
				Name: unit.data.newVolume,
				Labels: { 'io.upgrade-wizard.server': unit.name, 'io.upgrade-wizard.from-volume': unit.data.oldVolume, 'io.upgrade-wizard.pg-major': String(unit.toMajor) },
			});
		},
	};

	const startTemp: Transition = {
		kind: 'start-temp',
		step: 'volume',
		intent: `start a temporary PostgreSQL ${unit.toMajor} server ${unit.tempName} on ${unit.data.newVolume} (no ports, no aliases)`,
		undo: { kind: 'remove-container', name: unit.tempName, image: unit.targetRef, keep: unit.id },
		run: async (ctx) => {
			const image = await docker.getImage(unit.targetRef).inspect();
			const created = await docker.createContainer(tempServerOptions(unit, unit.key, image.Config?.Cmd ?? undefined));
			state.tempId = created.id;
			await ctx.record({ tempId: created.id }, { containerId: created.id });
			await startContainer(docker, created.id);
			await waitReady(docker, created.id, unit, ctx.signal);
			state.tempAddress = await addressOf(docker, created.id, unit.network);
			return `${unit.tempName} (${shortId(created.id)}) ready`;
		},
	};

	const move: Transition = {
		kind: 'move-data',
		step: 'move',
		intent: `move roles and databases from PostgreSQL ${unit.fromMajor} into ${unit.tempName} with the PostgreSQL ${unit.toMajor} tools`,
		undo: { kind: 'none', why: 'the new volume holds the moved data; the old volume was only read' },
		run: async (ctx) => {
			state.inventory = await serverInventory(docker, state.tempId, old);
			const created = (await serverInventory(docker, state.tempId, fresh)).databases.map((db) => db.name).filter((name) => name !== 'postgres');
			await moveGlobals({ docker, temp: state.tempId, old, fresh });
			const started = Date.now();
			const detail = await moveDatabases({
				docker,
				temp: state.tempId,
				old,
				fresh,
				databases: state.inventory.databases,
				created,
				jobs: unit.jobs,
				signal: ctx.signal,
				onProgress: (progress) =>
					ctx.emit({ type: 'progress', container: unit.name, step: 'move', bytes: progress.doneBytes, totalBytes: progress.totalBytes, elapsedMs: Date.now() - started, detail: progress.database }),
				onLine: (line) => ctx.emit({ type: 'log', container: unit.name, source: 'one-off', line }),
			});
			await ctx.record({ dataMoved: 'yes' });
			return detail;
		},
	};

	const verify: Transition = {
		kind: 'verify-data',
		step: 'verify',
		intent: `compare ${unit.tempName} with the old server: databases, roles, row counts, sequences, views, extensions, encodings; and the logins`,
		undo: { kind: 'none', why: 'a comparison changes nothing' },
		run: async (ctx) => verifyMoved(docker, unit, { ...state, old, fresh, logins }, ctx),
	};

	const stopOld: Transition = {
		kind: 'stop-old',
		step: 'stop',
		intent: `stop ${unit.name} (${shortId(unit.id)}) with a ${unit.stopTimeoutS} s timeout`,
		undo: { kind: 'start-container', containerId: unit.id, name: unit.name },
		...(downtimeOpens === 'stop-old' ? { downtime: 'opens' as const } : {}),
		run: () => stopContainer(docker, unit.id, unit.stopTimeoutS),
	};

	const rename: Transition = {
		kind: 'rename-old',
		step: 'rename',
		intent: `rename ${unit.name} to ${unit.parkedName}`,
		undo: { kind: 'rename-container', containerId: unit.id, to: unit.name },
		run: () => renameContainer(docker, unit.id, unit.parkedName),
	};

	const retireTemp: Transition = {
		kind: 'retire-temp',
		step: 'create',
		intent: `stop and remove the temporary server ${unit.tempName} (a clean shutdown, so the new server finds a consistent data directory)`,
		undo: { kind: 'none', why: 'the temporary server is not needed back' },
		run: async () => {
			await stopContainer(docker, state.tempId, 60);
			const exited = (await docker.getContainer(state.tempId).inspect()).State;
			if (exited.ExitCode !== 0) throw new TransitionFailure('create', `the temporary server did not shut down cleanly (exit code ${exited.ExitCode})`);
			await removeContainer(docker, state.tempId, { force: false });
		},
	};

	const createNew: Transition = {
		kind: 'create-new',
		step: 'create',
		intent: `create ${unit.name} from ${unit.targetRef} with the old container's configuration, its data on ${unit.data.newVolume}`,
		undo: { kind: 'remove-container', name: unit.name, image: unit.targetRef, keep: unit.id },
		run: async (ctx) => {
			state.newId = await createFromSpec(docker, unit.spec);
			await ctx.record({ newId: state.newId }, { containerId: state.newId });
		},
	};

	const startNew: Transition = {
		kind: 'start-new',
		step: 'start',
		get intent() {
			return `start the new ${unit.name} (${shortId(state.newId)})`;
		},
		get undo() {
			return { kind: 'remove-container', name: unit.name, image: unit.targetRef, keep: unit.id, containerId: state.newId };
		},
		startsTarget: true,
		run: () => startContainer(docker, state.newId),
	};

	const healthy: Transition = {
		kind: 'healthy',
		step: 'health',
		intent: `wait until the new ${unit.name} is healthy and every known login works`,
		announce: null,
		undo: { kind: 'none', why: 'a health gate changes nothing' },
		...(apps.length === 0 ? { downtime: 'closes' as const } : {}),
		run: async (ctx) => {
			const detail = await healthGate(docker, unit, state.newId, ctx);
			const address = await addressOf(docker, state.newId, unit.network);
			for (const login of logins) {
				const fails = await loginFails(docker, state.newId, address, unit.port, login);
				if (fails) throw new TransitionFailure('health', `${login.who} cannot log in to the new ${unit.name}: ${fails}`);
			}
			return `${detail}; ${logins.length} login${logins.length === 1 ? '' : 's'} checked over TCP`;
		},
	};

	const startApps: Transition[] = apps.map((app, index) => ({
		kind: 'start-app',
		step: 'start-apps',
		intent: `start ${app.name} again and wait until it is healthy`,
		undo: { kind: 'stop-container', containerId: app.id, name: app.name, timeoutS: app.stopTimeoutS },
		...(index === apps.length - 1 ? { downtime: 'closes' as const } : {}),
		run: async (ctx: TransitionContext) => {
			await startContainer(docker, app.id);
			return healthGate(docker, app, app.id, ctx);
		},
	}));

	return [backup, ...stopApps, createVolume, startTemp, move, verify, stopOld, rename, retireTemp, createNew, startNew, healthy, ...startApps];
}
