import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import { UsageError, messageOf, oneLine } from '../core/errors.js';
import { containerFileReader, ContainerFileError } from '../docker/container-file.js';
import { locateFromSpec, DatabaseLocationError, type DatabaseLocation } from '../profiles/database-location.js';
import type { DatabaseSpec } from '../profiles/database-schema.js';
import { parseConnectionUrl } from '../postgres/connection-url.js';
import { DatabaseError } from '../postgres/errors.js';
import type { Redactor } from '../text/redact.js';

// Which database an app container uses, as its profile says to find it
// (database-location.ts over the container's env and files): for the plan,
// for the check that every unit of a cluster shares it, and for `recover`.

/**
 * No database to back up that the operator has not answered for (no --db, no
 * --skip-backup). A usage error (exit 2 with --yes), but one the wizard can
 * recover from by asking: `kind` lets views recognise it without importing
 * this class. `no-database`: the profile's forms found nothing (a URL would
 * do); `not-postgres`: the app's database is SQL Server, which the wizard
 * cannot back up (only an explicit skip will do).
 */
export class NoDatabaseError extends UsageError {
	constructor(
		readonly container: string,
		message: string,
		readonly kind: 'no-database' | 'not-postgres' = 'no-database',
	) {
		super(message);
		this.name = 'NoDatabaseError';
	}
}

/** Where `app`'s database is per `spec`; a form that names it badly is a one-line usage error naming the container. */
export async function findAppDatabase(docker: Docker, app: ContainerInspectInfo, spec: DatabaseSpec, redactor?: Redactor): Promise<DatabaseLocation> {
	const name = (app.Name ?? app.Id ?? '?').replace(/^\//, '');
	let found: DatabaseLocation;
	try {
		found = await locateFromSpec(spec, app.Config.Env, containerFileReader(docker, app));
	} catch (error) {
		if (error instanceof DatabaseLocationError || error instanceof ContainerFileError) throw new UsageError(`${name}: ${oneLine(error.message)}`);
		throw new UsageError(`${name}: looking for its database failed: ${oneLine(messageOf(error))}`);
	}
	// A password read from a file or built from parts is no env value the redactor has seen.
	if (found.kind === 'url') redactor?.add(passwordOf(found.url));
	if (found.kind === 'sqlserver') redactor?.add(found.secret);
	return found;
}

function passwordOf(url: string): string | undefined {
	try {
		return parseConnectionUrl(url).password;
	} catch (error) {
		if (error instanceof DatabaseError) return undefined;
		throw error;
	}
}

/** The refusal for a location that is not a URL, in the words --yes prints and the wizard's screen shows. */
export function refusalOf(container: string, found: Extract<DatabaseLocation, { kind: 'sqlserver' | 'none' }>, interactive: boolean): { kind: NoDatabaseError['kind']; message: string } {
	if (found.kind === 'sqlserver') {
		const why = `${container}: its database is SQL Server (${found.from}); the wizard backs up only PostgreSQL`;
		return { kind: 'not-postgres', message: `${why}: ${interactive ? 'a run needs --skip-backup' : 'pass --skip-backup to upgrade without a backup'}` };
	}
	const looked = found.looked.length > 0 ? found.looked.join(', no ') : 'database form in its profile';
	return { kind: 'no-database', message: `${container}: no database found (no ${looked}); ${interactive ? 'a run needs --db URL, or --skip-backup' : 'pass --db URL, or --skip-backup to upgrade without a backup'}` };
}

/** host/port/database/user of a URL: two units share a database when these agree, however each app spells its setting. */
export function connectionOf(url: string): string {
	const parts = parseConnectionUrl(url);
	return JSON.stringify([parts.host ?? '', parts.port ?? 5432, parts.database ?? parts.user ?? '', parts.user ?? '']);
}
