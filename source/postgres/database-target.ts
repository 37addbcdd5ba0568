import { isIP } from 'node:net';
import { userInfo } from 'node:os';
import { posix } from 'node:path';
import { parseConnectionUrl } from './connection-url.js';
import { DatabaseError } from './errors.js';
import { pgpassPassword } from './pgpass.js';

export { redactUrl } from './connection-url.js';

export interface DatabaseTarget {
	/** Where libpq connects FROM THE HOST: host (name, IP or socket dir) + port; or, for a DB in a container, the container to exec in. */
	kind: 'host' | 'container';
	host?: string;
	port?: number;
	database: string;
	user?: string;
	password?: string;
	sslmode?: string;
	/** kind 'container': the DB container; tools run in it with `docker exec`. */
	container?: string;
	/** kind 'container' without `container`: tools run in a one-off container of `image` on `network`, connecting to host:port. */
	network?: string;
	image?: string;
	/** e.g. "postgres://app@127.0.0.1:55432/appdb": never the password. */
	display: string;
}

export interface ContainerRef {
	name: string;
	network: string;
	image: string;
}

export type ContainerLookup = (nameOrAlias: string) => Promise<ContainerRef | undefined>;

export interface Mount {
	Type: string;
	Source: string;
	Destination: string;
}

export interface ResolveDatabaseInput {
	url?: string;
	env?: NodeJS.ProcessEnv;
	/** The app container's inspect Mounts: a socket dir inside it is mapped to the host through these. */
	appMounts?: Mount[];
	appNetworks?: string[];
	dbContainer?: string;
	lookupContainer?: ContainerLookup;
}

// libpq's compiled-in socket directory on Debian and in the official images;
// an URL without a host means "this socket".
const DEFAULT_SOCKET_DIR = '/var/run/postgresql';
const DEFAULT_PORT = 5432;

/** /var/run is a symlink to /run nearly everywhere; compare paths in one spelling. */
function canonicalRun(path: string): string {
	const normal = posix.normalize(path).replace(/\/+$/, '') || '/';
	return normal === '/var/run' || normal.startsWith('/var/run/') ? normal.slice('/var'.length) : normal;
}

/** Host path of a directory inside the app container, through its bind mounts and volumes. */
export function mapThroughMounts(path: string, mounts: Mount[]): string | undefined {
	const wanted = canonicalRun(path);
	let best: { mount: Mount; destination: string } | undefined;
	for (const mount of mounts) {
		if (!mount.Source || !mount.Destination) continue;
		const destination = canonicalRun(mount.Destination);
		const inside = wanted === destination || destination === '/' || wanted.startsWith(`${destination}/`);
		if (inside && (!best || destination.length > best.destination.length)) best = { mount, destination };
	}
	if (!best) return undefined;
	const rest = best.destination === '/' ? wanted : wanted.slice(best.destination.length);
	return posix.join(best.mount.Source, rest);
}

function isSocketDir(host: string): boolean {
	return host.startsWith('/');
}

/** Names that can never be a container on the app's network. */
function isPlainHost(host: string): boolean {
	return isSocketDir(host) || isIP(host) !== 0 || host === 'localhost';
}

function describeTarget(t: Omit<DatabaseTarget, 'display'>, urlHost: string | undefined): string {
	const user = encodeURIComponent(t.user ?? '');
	const db = encodeURIComponent(t.database);
	if (t.kind === 'container') {
		const where = t.container ? `container ${t.container}` : `a ${t.image} container on ${t.network}`;
		return `postgres://${user}@${urlHost ?? t.host ?? ''}:${t.port}/${db} (via ${where})`;
	}
	const host = t.host ?? '';
	if (isSocketDir(host)) {
		return `postgres://${user}@/${db}?host=${host}${t.port === DEFAULT_PORT ? '' : `&port=${t.port}`}`;
	}
	return `postgres://${user}@${isIP(host) === 6 ? `[${host}]` : host}:${t.port}/${db}`;
}

function envPort(env: NodeJS.ProcessEnv): number | undefined {
	const port = Number(env.PGPORT);
	return env.PGPORT && Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

/**
 * Resolve from a URL (--db or the app's DATABASE_URL). PG* env vars and
 * ~/.pgpass (or PGPASSFILE) fill what the URL leaves out; they never choose the
 * database on their own (a URL without a database name means libpq's default:
 * the user's name, which is what the app itself connects to).
 */
export async function resolveDatabaseTarget(input: ResolveDatabaseInput): Promise<DatabaseTarget> {
	const env = input.env ?? process.env;
	if (!input.url) {
		throw new DatabaseError('bad-url', 'no database URL to back up (give --db URL, or --skip-backup)');
	}
	const url = parseConnectionUrl(input.url);
	const fromApp = input.appMounts !== undefined;
	const user = url.user || env.PGUSER || userInfo().username;
	const database = url.database || user;
	const port = url.port ?? envPort(env) ?? DEFAULT_PORT;
	const sslmode = url.sslmode ?? (env.PGSSLMODE || undefined);
	// PGHOST of the wizard's own environment says nothing about where an app
	// container's URL points, so it only fills an operator-given --db URL.
	const urlHost = url.host ?? (fromApp ? undefined : env.PGHOST || undefined) ?? DEFAULT_SOCKET_DIR;

	let container: ContainerRef | undefined;
	if (input.dbContainer) {
		container = (await input.lookupContainer?.(input.dbContainer)) ?? { name: input.dbContainer, network: '', image: '' };
	} else if (!isPlainHost(urlHost) && input.lookupContainer) {
		container = await input.lookupContainer(urlHost);
	}

	let host = urlHost;
	if (!container && isSocketDir(urlHost) && input.appMounts) {
		const mapped = mapThroughMounts(urlHost, input.appMounts);
		if (!mapped) {
			throw new DatabaseError(
				'unreachable',
				`the app reaches its database through the socket directory ${urlHost}, which is not mounted from the host; give --db URL`,
			);
		}
		host = mapped;
	}

	let password = url.password ?? (env.PGPASSWORD || undefined);
	if (password === undefined) {
		const hosts = [host, urlHost];
		if (isSocketDir(urlHost)) hosts.push('localhost');
		if (container) hosts.push(container.name);
		password = await pgpassPassword(env, { hosts, port, database, user });
	}

	const target: Omit<DatabaseTarget, 'display'> = container
		? {
				kind: 'container',
				host: urlHost,
				port,
				database,
				user,
				container: container.name,
				...(container.network ? { network: container.network } : {}),
				...(container.image ? { image: container.image } : {}),
			}
		: { kind: 'host', host, port, database, user };
	if (password !== undefined) target.password = password;
	if (sslmode !== undefined) target.sslmode = sslmode;
	return { ...target, display: describeTarget(target, urlHost) };
}
