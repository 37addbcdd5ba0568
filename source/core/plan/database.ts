import type { DatabaseTarget } from '../../postgres/database-target.js';
import type { DatabaseSpec } from '../../profiles/database-schema.js';
import { formatBytes } from '../../text/format.js';

// The database side of a plan: what preflight settled (target, sizes, tools,
// which hops migrate), and how recovery finds the database again without the
// original process. Never holds a password in a form that is journaled.

export interface DatabaseOptions {
	db?: string;
	dbContainer?: string;
	skipBackup: boolean;
	/** Who chose to skip, in the plan's words (default: the --skip-backup flag). */
	skipBackupBy?: string;
	backupDir?: string;
	offlineBackup: boolean;
	noMigrations: boolean;
	migrationTimeoutS?: number;
	stopAllFirst: boolean;
	/** Look for pg_dump/pg_restore only here (default: /usr/lib/postgresql/<major>/bin and PATH). */
	pgBin?: string;
	/** Postgres image for the tools when the host has none new enough (default postgres:<server major>). */
	pgImage?: string;
	/** --backup-format: auto (default) picks custom or directory by size, tables and tools. */
	backupFormat?: 'auto' | 'custom' | 'directory';
}

/**
 * How `recover` finds the database again: never the password (it is read again
 * from the app container's env, PG* or ~/.pgpass, as a run does).
 */
export interface DatabaseLocator {
	/** --db as given, its password masked. */
	url?: string;
	/** Else, without `database` (journals before it): the first of these keys set in the app container's env. */
	envKeys: string[];
	/** Else: the profile's database forms, tried again on the app container as the run did. */
	database?: DatabaseSpec;
	dbContainer?: string;
	toolDirs?: string[];
	/** Tools ran in a one-off container of this image (no host pg_dump new enough). */
	toolsImage?: string;
	/** The backup was a copy of an embedded server's data directory. */
	embedded?: EmbeddedDatabase;
}

/**
 * A PostgreSQL server that runs inside the app container itself (ProGet 2025's
 * embedded database): no server outside to dump from or restore into while
 * the app is down, so the backup is a copy of its data directory taken with
 * the container stopped, and the restore puts that copy back before the old
 * container starts again. Plain data, journaled as is (names and paths only).
 */
export interface EmbeddedDatabase {
	/** The data directory inside the container. */
	dataDir: string;
	/** Its PG_VERSION. */
	major: string;
	/** The app container's name: the container holding it at each step (the old one of the hop, stopped). */
	container: string;
	/** The mount holding the directory: a snapshot or a restore refuses any other. */
	mount: { type: 'volume' | 'bind'; source: string; destination: string };
}

export interface DatabasePlan {
	/** Holds the password: never journaled or emitted (the redactor knows it). Absent for an embedded database. */
	target?: DatabaseTarget;
	embedded?: EmbeddedDatabase;
	display: string;
	/** Where the app's setting was found when not its URL env: `DB_URI in /conf/stack/config.yaml (bind mount ...)`. */
	foundIn?: string;
	serverVersion: string;
	sizeBytes: number;
	backupDir: string;
	/** --dry-run: the backup dir does not exist yet; a run creates it (0700). */
	backupDirMissing?: boolean;
	freeBytes: number;
	/** pg_dump on the host (path) or in the database's container. */
	dumpWith: string;
	/** Custom (one file) or directory (pg_dump -Fd -j N); absent in plans before it: custom. */
	dumpFormat?: { format: 'custom' | 'directory'; jobs: number; why: string };
	/** --pg-bin: where host tools are looked for (backup and restore alike). */
	toolDirs?: string[];
	schemaFrom?: number;
	/** A schema version that is not an integer (an alembic revision): shown, not compared. */
	schemaReported?: string;
	/** What the product calls its schema version ("Engine DB Version"). */
	schemaName?: string;
	/** Schema version each hop's image declares. */
	hopSchemas: Record<string, number | undefined>;
	/** Hops whose image declares a newer schema than the database will have before them (or, for a product that migrates at start, declares none). */
	migratingHops: string[];
	offline: boolean;
	stopAllFirst: boolean;
	migrationTimeoutMs?: number;
	locator?: DatabaseLocator;
}

/** "pg_dump -Fd -j 2" or "pg_dump -Fc". */
export function dumpCommand(database: Pick<DatabasePlan, 'dumpFormat'>): string {
	const choice = database.dumpFormat;
	return choice?.format === 'directory' ? `pg_dump -Fd -j ${choice.jobs}` : 'pg_dump -Fc';
}

/** Why this format, in the plan's words. */
function formatLine(choice: NonNullable<DatabasePlan['dumpFormat']>): string {
	return choice.format === 'directory'
		? `Backup format: directory, ${choice.jobs} parallel jobs (${choice.why}); a sha256 per file in a manifest; restored with pg_restore -j ${choice.jobs}`
		: `Backup format: custom, one file (${choice.why})`;
}

export function describeDatabase(database: DatabasePlan | undefined, containers: number, skippedBy = '--skip-backup'): string[] {
	if (!database) return [`Database: NO BACKUP (${skippedBy}): a failed migration cannot be undone`];
	const lines = database.embedded ? embeddedLines(database, database.embedded) : [
		`Database: ${database.display} (server ${database.serverVersion}, ${formatBytes(database.sizeBytes)}), ${database.schemaName ?? 'schema'} ${database.schemaFrom ?? database.schemaReported ?? 'unknown'}`,
		`Backup: ${dumpCommand(database)} to ${database.backupDir}${database.backupDirMissing ? ' (does not exist yet: a run creates it, 0700)' : ''} (${formatBytes(database.freeBytes)} free), verified with pg_restore --list and sha256, ${database.offline ? 'taken with the app STOPPED (--offline-backup: longer downtime)' : 'taken right before the first stop while the app runs'}`,
	];
	if (database.foundIn) lines.splice(1, 0, `Database found in: ${database.foundIn}`);
	if (!database.embedded) lines.push(`Dumped by: ${database.dumpWith}`);
	if (!database.embedded && database.dumpFormat) lines.push(formatLine(database.dumpFormat));
	if (database.migratingHops.length > 0) {
		lines.push(
			`Schema migration: ${database.migratingHops.map((tag) => `${tag} -> ${schemaAfter(database, tag)}`).join(', ')}; health timeout extended; no automatic downgrade, the backup is the way back`,
		);
		if (containers > 1) {
			lines.push(
				database.stopAllFirst
					? 'Cluster: every node stops before the first migrating start (--stop-all-first): all nodes are down until the first is healthy'
					: 'Cluster: nodes not yet upgraded run against the migrated schema until their turn (--stop-all-first avoids this)',
			);
		}
	} else {
		lines.push('Schema migration: none expected');
	}
	return lines;
}

function embeddedLines(database: DatabasePlan, embedded: EmbeddedDatabase): string[] {
	const size = database.sizeBytes > 0 ? formatBytes(database.sizeBytes) : 'size unknown';
	const where = `${embedded.mount.type} ${embedded.mount.source}`;
	return [
		`Database: ${database.display} (${size}), ${database.schemaName ?? 'schema'} ${database.schemaFrom ?? database.schemaReported ?? 'unknown'}`,
		`Backup: a copy of ${embedded.dataDir} (${where}) to ${database.backupDir}${database.backupDirMissing ? ' (does not exist yet: a run creates it, 0700)' : ''} (${formatBytes(database.freeBytes)} free), taken with ${embedded.container} STOPPED (its server is inside it), verified (every file listed, PG_VERSION ${embedded.major}) and sha256; a rollback puts it back before the old container starts`,
	];
}

/** What a migrating hop leaves: the schema its image declares, or that it may migrate (it declares none). */
export function schemaAfter(database: Pick<DatabasePlan, 'hopSchemas'>, tag: string): string {
	const schema = database.hopSchemas[tag];
	return schema === undefined ? 'may migrate at start (the image declares no schema version)' : `schema ${schema}`;
}
