import type Docker from 'dockerode';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError, oneLine, messageOf } from '../core/errors.js';
import type { Plan } from '../core/plan/plan.js';
import type { DatabaseOptions, DatabasePlan, EmbeddedDatabase } from '../core/plan/database.js';
import { backupDirOf } from '../core/journal/state-dir.js';
import { mountOf } from '../docker/container-file.js';
import { checkBackupSpace } from '../postgres/backup.js';
import { otherUsers } from '../postgres/data-dir-snapshot.js';
import type { DatabaseLocation } from '../profiles/database-location.js';
import { formatBytes } from '../text/format.js';
import { hopMigrations } from './hop-migrations.js';
import type { AppUnit } from './plan-database.js';

// The plan for a database that runs inside the app container (the profile's
// `database.embedded`): settled in preflight like any database, so that a data
// directory the new container would not get (not on a volume), one another
// running container also mounts, or too little disk for its copy stop the run
// before anything is touched. Its backup is taken with the app stopped (an
// offline backup by necessity), see postgres/data-dir-snapshot.ts.

/** How far preflight walks a directory to size its copy: beyond this the size is "unknown", not a long wait. */
const SIZE_WALK_LIMIT = { entries: 200_000, ms: 10_000 };

/** Bytes under `dir` on this host, when it can be read from here (a local engine's bind mount or volume); else undefined. */
async function directorySize(dir: string): Promise<number | undefined> {
	const deadline = Date.now() + SIZE_WALK_LIMIT.ms;
	let entries = 0;
	let bytes = 0;
	const pending = [dir];
	try {
		while (pending.length > 0) {
			if (++entries > SIZE_WALK_LIMIT.entries || Date.now() > deadline) return undefined;
			const path = pending.pop()!;
			const info = await lstat(path);
			if (info.isDirectory()) for (const name of await readdir(path)) pending.push(join(path, name));
			else if (info.isFile()) bytes += info.size;
		}
	} catch {
		return undefined;
	}
	return bytes;
}

export async function planEmbedded(
	docker: Docker,
	plan: Plan<AppUnit>,
	found: Extract<DatabaseLocation, { kind: 'embedded' }>,
	options: DatabaseOptions,
	context: { stateDir: string; dryRun?: boolean },
): Promise<DatabasePlan> {
	const lead = plan.units[0]!;
	if (plan.units.length > 1) {
		throw new UsageError(`${plan.units.map((unit) => unit.name).join(', ')}: each runs its own embedded database; upgrade them one at a time`);
	}
	const at = mountOf(found.dataDir, lead.inspect.Mounts as unknown as Array<{ Type?: string; Name?: string; Source?: string; Destination?: string }>);
	const mount = at?.mount;
	if (!mount || (mount.Type !== 'volume' && mount.Type !== 'bind') || !mount.Destination) {
		throw new UsageError(
			`${lead.name}: its embedded database ${found.dataDir} is in the container's own filesystem${mount?.Type ? ` (${mount.Type})` : ''}, not on a volume or bind mount: a new container would start without it; nothing was touched`,
		);
	}
	const source = mount.Type === 'volume' ? mount.Name : mount.Source;
	if (!source) throw new UsageError(`${lead.name}: the mount at ${mount.Destination} names no volume or host directory`);
	const embedded: EmbeddedDatabase = { dataDir: found.dataDir, major: found.major, container: lead.name, mount: { type: mount.Type, source, destination: mount.Destination } };
	const users = await otherUsers(docker, embedded, lead.inspect.Id).catch((error: unknown) => {
		throw new UsageError(`database check failed: ${oneLine(messageOf(error))}`);
	});
	if (users.length > 0) {
		throw new UsageError(`${lead.name}: its embedded database's ${mount.Type} ${source} is also mounted by the running ${users.join(', ')}: two servers on one data directory corrupt it; stop ${users.length === 1 ? 'it' : 'them'} first`);
	}

	// A local volume's inspect Source is its directory on this host, like a bind's.
	const sizeBytes = (mount.Source ? await directorySize(join(mount.Source, at!.rest)) : undefined) ?? 0;
	const backupDir = backupDirOf(context.stateDir, options.backupDir);
	const space = await checkBackupSpace(backupDir, sizeBytes, { dryRun: context.dryRun }).catch((error: unknown) => {
		throw new UsageError(oneLine(messageOf(error)));
	});
	if (!space.ok) {
		throw new UsageError(`not enough space for the copy of ${found.dataDir} in ${backupDir}: ${formatBytes(space.freeBytes)} free, ${formatBytes(space.neededBytes)} needed; free some or pass --backup-dir`);
	}

	// No server to ask while planning (it is the app's own): the running image's declared schema is what it migrated to.
	const declared = lead.inspect.Config.Labels?.[lead.profile.labels.schemaVersion];
	const schemaFrom = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
	const { hopSchemas, migratingHops } = hopMigrations(plan, lead.profile, schemaFrom, declared, options.noMigrations);
	const spec = lead.profile.database;
	return {
		embedded,
		display: `embedded PostgreSQL ${found.major} in ${lead.name} (${found.dataDir})`,
		foundIn: found.from,
		serverVersion: `PostgreSQL ${found.major} (embedded)`,
		sizeBytes,
		backupDir,
		...(space.wouldCreate ? { backupDirMissing: true } : {}),
		freeBytes: space.freeBytes,
		dumpWith: 'the Engine API (GET /containers/{id}/archive, what docker cp does), with the app stopped',
		schemaFrom,
		...(schemaFrom === undefined && declared !== undefined ? { schemaReported: declared } : {}),
		...(lead.profile.schemaName ? { schemaName: lead.profile.schemaName } : {}),
		hopSchemas,
		migratingHops,
		// The server is inside the app: only a stopped app leaves its directory still.
		offline: true,
		stopAllFirst: options.stopAllFirst,
		migrationTimeoutMs: options.migrationTimeoutS !== undefined ? options.migrationTimeoutS * 1000 : undefined,
		locator: { envKeys: [], database: spec, embedded },
	};
}
