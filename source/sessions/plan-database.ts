import type Docker from 'dockerode';
import { availableParallelism } from 'node:os';
import { chooseDumpFormat } from '../postgres/dump-format.js';
import { UsageError, messageOf, oneLine } from '../core/errors.js';
import type { Plan, Unit } from '../core/plan/plan.js';
import type { Profile } from '../profiles/profile.js';
import type { Redactor } from '../text/redact.js';
import type { ContainerInspectInfo } from 'dockerode';
import type { DatabaseLocator, DatabaseOptions, DatabasePlan } from '../core/plan/database.js';
import type { RestoreTarget } from '../core/ports.js';
import { backupDirOf } from '../core/journal/state-dir.js';
import { redactUrl, resolveDatabaseTarget, type DatabaseTarget } from '../postgres/database-target.js';
import { containerLookup } from '../postgres/container-lookup.js';
import { serverInfo, schemaVersion } from '../postgres/server-info.js';
import { findPgDump } from '../postgres/pg-tools.js';
import { checkBackupSpace } from '../postgres/backup.js';
import { DatabaseError } from '../postgres/errors.js';
import { formatBytes } from '../text/format.js';
import { connectionOf, findAppDatabase, NoDatabaseError, refusalOf } from './app-database.js';
import { envValue } from '../profiles/database-location.js';
import { hopMigrations } from './hop-migrations.js';
import { planEmbedded } from './plan-embedded.js';
import { unitLabel } from '../core/cluster-names.js';

export { NoDatabaseError };

// The database side of a plan, settled in preflight so that a missing
// database, a wrong password, no suitable pg_dump or too little disk stop the
// run before anything is touched.

function asUsage(error: unknown): never {
	if (error instanceof DatabaseError || error instanceof UsageError) throw new UsageError(oneLine(error.message));
	throw new UsageError(`database check failed: ${oneLine(messageOf(error))}`);
}

function connectionKey(url: string): string {
	try {
		return connectionOf(url);
	} catch (error) {
		asUsage(error);
	}
}

/** A unit that is an app container (plain or a Compose service's): where its database is comes from its env and files, as its profile says. */
export type AppUnit = Unit & { inspect: ContainerInspectInfo; profile: Profile };

export async function planDatabase(
	docker: Docker,
	plan: Plan<AppUnit>,
	options: DatabaseOptions,
	context: { env: NodeJS.ProcessEnv; stateDir: string; redactor: Redactor; ensureImage: (ref: string) => Promise<boolean>; dryRun?: boolean; onMissing?: (problem: string) => void },
): Promise<DatabasePlan | undefined> {
	if (options.skipBackup) return undefined;
	const lead = plan.units[0]!;
	const spec = lead.profile.database;
	// --db names the database outright; else the profile's forms, in their fixed order.
	const found = options.db ? undefined : await findAppDatabase(docker, lead.inspect, spec, context.redactor);
	const url = options.db ?? (found?.kind === 'url' ? found.url : undefined);
	if (found?.kind === 'embedded' && !options.dbContainer) return planEmbedded(docker, plan, found, options, context);
	if (found && found.kind !== 'url' && found.kind !== 'embedded' && (found.kind === 'sqlserver' || !options.dbContainer)) {
		const refusal = refusalOf(lead.name, found, context.onMissing !== undefined);
		if (context.onMissing) {
			context.onMissing(refusal.message);
			return undefined;
		}
		throw new NoDatabaseError(lead.name, refusal.message, refusal.kind);
	}
	if (url && !options.db) {
		const want = connectionKey(url);
		for (const other of plan.units.slice(1)) {
			const theirs = await findAppDatabase(docker, other.inspect, other.profile.database, context.redactor);
			const same = theirs.kind === 'url' && connectionKey(theirs.url) === want;
			if (!same) throw new UsageError(`${unitLabel(lead)} and ${unitLabel(other)} use different databases; upgrade them separately (or name one with --db)`);
		}
	}
	let target: DatabaseTarget;
	try {
		target = await targetFromApp(docker, lead.inspect, url, options.dbContainer, context.env, options.db !== undefined);
	} catch (error) {
		asUsage(error);
	}
	context.redactor.add(target.password);

	const info = await serverInfo(target, docker).catch(asUsage);
	let dumpWith = `pg_dump in container ${target.container ?? target.image ?? '?'}`;
	const toolDirs = options.pgBin ? [options.pgBin] : undefined;
	if (target.kind === 'host') {
		const tools = await findPgDump(info.major, toolDirs ? { dirs: toolDirs } : {});
		if (tools) {
			dumpWith = tools.pgDump;
		} else {
			// No host pg_dump new enough: run the tools in a one-off container of a
			// Postgres image of the server's major, on the host's network so it reaches
			// the same address the host would.
			const image = options.pgImage ?? `postgres:${info.major}`;
			const where = `no pg_dump for PostgreSQL ${info.major} or newer on this host${options.pgBin ? ` (looked in ${options.pgBin})` : ''}`;
			if (!target.host || target.host.startsWith('/')) {
				throw new UsageError(`${where}, and the database is reached over a unix socket, which a tools container cannot use; install postgresql-client-${info.major} (or pass --skip-backup)`);
			}
			if (!(await context.ensureImage(image))) {
				throw new UsageError(`${where}, and the Postgres image ${image} is neither present nor pullable; install postgresql-client-${info.major} or name an image with --pg-image (or pass --skip-backup)`);
			}
			target = { ...target, kind: 'container', image, network: 'host' };
			dumpWith = `pg_dump in a one-off ${image} container (host network): ${where}`;
		}
	}
	// Parallel only with host tools, enough data and tables to share out; --backup-format directory where it cannot work is refused.
	const dumpFormat = chooseDumpFormat({
		requested: options.backupFormat ?? 'auto',
		hostTools: target.kind === 'host',
		serverVersionNum: info.versionNum,
		sizeBytes: info.databaseSizeBytes,
		largestTableBytes: info.largestTableBytes,
		tableCount: info.tables.length,
		cores: availableParallelism(),
	});
	if (dumpFormat.refused) throw new UsageError(`${dumpFormat.refused}; use --backup-format auto or custom`);
	// Absolute in the plan and the journal: a relative --backup-dir means the directory it named when given.
	const backupDir = backupDirOf(context.stateDir, options.backupDir);
	const space = await checkBackupSpace(backupDir, info.databaseSizeBytes, { dryRun: context.dryRun }).catch(asUsage);
	if (!space.ok) {
		throw new UsageError(
			`not enough space for the backup in ${backupDir}: ${formatBytes(space.freeBytes)} free, ${formatBytes(space.neededBytes)} needed (1.2 x the database); free some or pass --backup-dir`,
		);
	}

	const query = lead.profile.schemaVersionQuery;
	const reported = query ? await schemaVersion(target, query, docker).catch(asUsage) : undefined;
	const schemaFrom = typeof reported === 'number' ? reported : undefined;
	const { hopSchemas, migratingHops } = hopMigrations(plan, lead.profile, schemaFrom, reported, options.noMigrations);
	return {
		target,
		display: target.display,
		// The URL env is the long-standing default and goes unsaid; any other form says where it was found.
		...(found?.kind === 'url' && found.form !== 'urlEnv' ? { foundIn: found.from } : {}),
		serverVersion: info.serverVersion,
		sizeBytes: info.databaseSizeBytes,
		backupDir,
		...(space.wouldCreate ? { backupDirMissing: true } : {}),
		freeBytes: space.freeBytes,
		dumpWith,
		dumpFormat: { format: dumpFormat.format, jobs: dumpFormat.jobs, why: dumpFormat.why },
		toolDirs,
		schemaFrom,
		...(typeof reported === 'string' ? { schemaReported: reported } : {}),
		...(lead.profile.schemaName ? { schemaName: lead.profile.schemaName } : {}),
		hopSchemas,
		migratingHops,
		offline: options.offlineBackup,
		stopAllFirst: options.stopAllFirst,
		migrationTimeoutMs: options.migrationTimeoutS !== undefined ? options.migrationTimeoutS * 1000 : undefined,
		locator: {
			...(options.db ? { url: redactUrl(options.db) } : {}),
			// Old journals have envKeys alone; this run's recover reads the whole spec (names and paths, no secrets).
			envKeys: spec.urlEnv ?? [],
			...(options.db ? {} : { database: spec }),
			...(options.dbContainer ? { dbContainer: options.dbContainer } : {}),
			...(toolDirs ? { toolDirs } : {}),
			...(target.kind === 'container' && target.network === 'host' && target.image ? { toolsImage: target.image } : {}),
		},
	};
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;

/**
 * The database as the app reaches it: its URL mapped through the app's mounts
 * and networks. An operator's --db is a host-side URL (`hostSide`): used as
 * given, never mapped. A loopback host in the app's own URL means the app's
 * network namespace, not this host's: with `container:<db>` the tools run in
 * that container; in any other mode but host the run is refused.
 */
async function targetFromApp(
	docker: Docker,
	app: ContainerInspectInfo,
	url: string | undefined,
	dbContainer: string | undefined,
	env: NodeJS.ProcessEnv,
	hostSide = false,
): Promise<DatabaseTarget> {
	if (hostSide) return resolveDatabaseTarget({ url, env, dbContainer, lookupContainer: dbContainer ? containerLookup(docker, []) : undefined });
	const networks = Object.keys(app.NetworkSettings?.Networks ?? {});
	const resolve = (inContainer?: string) =>
		resolveDatabaseTarget({
			url,
			env,
			appMounts: app.Mounts as unknown as Array<{ Type: string; Source: string; Destination: string }>,
			appNetworks: networks,
			dbContainer: inContainer,
			lookupContainer: containerLookup(docker, networks),
		});
	const target = await resolve(dbContainer);
	if (target.kind !== 'host' || !target.host || !LOOPBACK.test(target.host)) return target;
	const mode = app.HostConfig?.NetworkMode ?? 'default';
	if (mode === 'host') return target;
	const name = app.Name.replace(/^\//, '');
	if (mode.startsWith('container:')) {
		const peer = await docker.getContainer(mode.slice('container:'.length)).inspect().catch(() => undefined);
		if (peer) return resolve(peer.Name.replace(/^\//, ''));
	}
	throw new UsageError(
		`${name} reaches its database at ${target.host} inside its own network namespace (network mode ${mode}), not this host's ${target.host}: give --db with a URL this host can reach, or --db-container NAME for the container that serves it`,
	);
}

/**
 * Recovery: the database of an interrupted run, found again as the run found it,
 * from the journal's locator and the app container (still on the engine: the
 * old one is never removed before its hop committed). The password comes from
 * the app's env, PG* or ~/.pgpass, never from the journal.
 */
export async function locateDatabase(docker: Docker, app: ContainerInspectInfo, locator: DatabaseLocator & { display: string }, env: NodeJS.ProcessEnv): Promise<RestoreTarget> {
	// The copy of an embedded server's directory goes back where it came from: the journal says where.
	if (locator.embedded) return { embedded: locator.embedded, display: locator.display };
	let url: string | undefined;
	if (locator.url) url = locator.url.replace(/:\*\*\*@/, '@').replace(/([?&])password=\*\*\*&?/i, '$1').replace(/[?&]$/, '');
	else if (locator.database) {
		const found = await findAppDatabase(docker, app, locator.database);
		url = found.kind === 'url' ? found.url : undefined;
	} else url = locator.envKeys.map((key) => envValue(app.Config.Env, key)).find(Boolean);
	let target = await targetFromApp(docker, app, url, locator.dbContainer, env, locator.url !== undefined);
	if (locator.toolsImage && target.kind === 'host') target = { ...target, kind: 'container', image: locator.toolsImage, network: 'host' };
	return { target, display: target.display, toolDirs: locator.toolDirs };
}
