import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../source/postgres/connection-url.js';
import { mapThroughMounts, redactUrl, resolveDatabaseTarget } from '../../source/postgres/database-target.js';
import { DatabaseError } from '../../source/postgres/errors.js';
import { parsePgpassLine } from '../../source/postgres/pgpass.js';
import { connectionKindOf, connectionKindOfText } from '../../source/postgres/connection-errors.js';
import { listedSchemas, listedTables, listsTable, parseListing } from '../../source/postgres/dump-listing.js';
import { parseToolMajor } from '../../source/postgres/pg-tools.js';

// The database a backup protects is chosen from a URL, with PG* variables and
// pgpass only filling gaps; none of this may ever put the password on display.

const SECRET = 'pa:ss/w@rd%&s3cret';
const ENCODED = encodeURIComponent(SECRET);
let dir: string;
const noPgEnv: NodeJS.ProcessEnv = { HOME: '/nonexistent-home' };

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), 'uw-pgpass-'));
});
afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe('parseConnectionUrl', () => {
	it('reads user, percent-encoded password, host, port and database', () => {
		expect(parseConnectionUrl(`postgresql://app:${ENCODED}@db.internal:6543/appdb?sslmode=require`)).toEqual({
			user: 'app',
			password: SECRET,
			host: 'db.internal',
			port: 6543,
			database: 'appdb',
			sslmode: 'require',
		});
	});

	it('reads socket URLs in both spellings, and IPv6 hosts', () => {
		expect(parseConnectionUrl('postgresql://app:pw@/appdb?host=/run/postgresql')).toMatchObject({ host: '/run/postgresql', database: 'appdb' });
		expect(parseConnectionUrl('postgres://app@%2Fvar%2Frun%2Fpostgresql/appdb')).toMatchObject({ host: '/var/run/postgresql', database: 'appdb' });
		expect(parseConnectionUrl('postgres://app@[::1]:5433/x')).toMatchObject({ host: '::1', port: 5433 });
		expect(parseConnectionUrl('postgres://h1:5433,h2:5434/x')).toMatchObject({ host: 'h1', port: 5433 });
	});

	it('lets query parameters override the URL parts', () => {
		expect(parseConnectionUrl('postgres://a@h/db?user=b&password=c&port=7000&dbname=other')).toEqual({
			user: 'b',
			password: 'c',
			host: 'h',
			port: 7000,
			database: 'other',
		});
	});

	it('rejects what is not a postgres URL, without echoing the password', () => {
		for (const bad of [`mysql://app:${ENCODED}@h/db`, `postgres://app:${ENCODED}@h:99999/db`, 'postgres://app:%zz@h/db']) {
			let error: unknown;
			try {
				parseConnectionUrl(bad);
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(DatabaseError);
			expect((error as DatabaseError).kind).toBe('bad-url');
			expect((error as Error).message).not.toContain(ENCODED);
			expect((error as Error).message.split('\n')).toHaveLength(1);
		}
	});
});

describe('redactUrl', () => {
	it('masks the password in the userinfo and in the query', () => {
		expect(redactUrl(`postgresql://app:${ENCODED}@/db?host=/run/postgresql`)).toBe('postgresql://app:***@/db?host=/run/postgresql');
		expect(redactUrl('postgres://app:x@h/db?sslmode=require&password=hunter2')).toBe('postgres://app:***@h/db?sslmode=require&password=***');
		expect(redactUrl('postgres://app@h/db')).toBe('postgres://app@h/db');
		expect(redactUrl('host=h password=hunter2 dbname=x')).toBe('host=h password=*** dbname=x');
	});
});

describe('resolveDatabaseTarget', () => {
	it('resolves a TCP URL to a host target whose display has no password', async () => {
		const target = await resolveDatabaseTarget({ url: `postgres://app:${ENCODED}@127.0.0.1:55432/appdb`, env: noPgEnv });
		expect(target).toMatchObject({ kind: 'host', host: '127.0.0.1', port: 55432, database: 'appdb', user: 'app', password: SECRET });
		expect(target.display).toBe('postgres://app@127.0.0.1:55432/appdb');
		expect(JSON.stringify(target.display)).not.toContain('s3cret');
	});

	it('fills user, port, password and sslmode from PG* variables, never the database or host of an app URL', async () => {
		const env = { ...noPgEnv, PGUSER: 'envuser', PGPORT: '6000', PGPASSWORD: 'envpw', PGSSLMODE: 'require', PGDATABASE: 'envdb', PGHOST: 'envhost' };
		const target = await resolveDatabaseTarget({ url: 'postgres:///appdb?host=/run/postgresql', env, appMounts: [{ Type: 'bind', Source: '/srv/pg', Destination: '/run/postgresql' }] });
		expect(target).toMatchObject({ user: 'envuser', port: 6000, password: 'envpw', sslmode: 'require', database: 'appdb', host: '/srv/pg' });
		// A URL with no database means libpq's default (the user's name), not PGDATABASE.
		expect((await resolveDatabaseTarget({ url: 'postgres://bob@h/', env })).database).toBe('bob');
		// An operator's --db URL without a host may take PGHOST; the URL's own parts always win.
		expect((await resolveDatabaseTarget({ url: 'postgres://bob@/db', env })).host).toBe('envhost');
		expect(await resolveDatabaseTarget({ url: 'postgres://bob:urlpw@h:7000/db?sslmode=disable', env })).toMatchObject({ password: 'urlpw', port: 7000, sslmode: 'disable' });
	});

	it('takes the password from a 0600 pgpass file (PGPASSFILE), first matching line wins', async () => {
		const file = join(dir, 'pgpass');
		await writeFile(
			file,
			[
				'# comment',
				'otherhost:*:*:*:nope',
				'127.0.0.1:55432:appdb:app:from\\:pgpass\\\\x',
				'*:*:*:app:wildcard',
				'localhost:5432:sockdb:sam:socketpw',
			].join('\n'),
			{ mode: 0o600 },
		);
		await chmod(file, 0o600);
		const env = { ...noPgEnv, PGPASSFILE: file };
		expect((await resolveDatabaseTarget({ url: 'postgres://app@127.0.0.1:55432/appdb', env })).password).toBe('from:pgpass\\x');
		expect((await resolveDatabaseTarget({ url: 'postgres://app@10.0.0.9/other', env })).password).toBe('wildcard');
		// A socket connection matches "localhost" lines, as libpq does.
		expect((await resolveDatabaseTarget({ url: 'postgres://sam@/sockdb?host=/tmp/nowhere', env })).password).toBe('socketpw');
		expect((await resolveDatabaseTarget({ url: 'postgres://zed@/sockdb?host=/tmp/nowhere', env })).password).toBeUndefined();
		// libpq ignores a pgpass file others can read; so do we.
		await chmod(file, 0o644);
		expect((await resolveDatabaseTarget({ url: 'postgres://app@127.0.0.1:55432/appdb', env })).password).toBeUndefined();
		await chmod(file, 0o600);
		// PGPASSWORD beats pgpass, the URL beats both.
		expect((await resolveDatabaseTarget({ url: 'postgres://app@127.0.0.1:55432/appdb', env: { ...env, PGPASSWORD: 'envpw' } })).password).toBe('envpw');
	});

	it('maps a socket dir inside the app container to the host through its bind mounts', async () => {
		const mounts = [
			{ Type: 'volume', Source: '/var/lib/docker/volumes/data/_data', Destination: '/data' },
			{ Type: 'bind', Source: '/var/tmp/world/pg/run', Destination: '/run/postgresql' },
		];
		const target = await resolveDatabaseTarget({ url: `postgresql://app:${ENCODED}@/appdb?host=/run/postgresql`, env: noPgEnv, appMounts: mounts });
		expect(target).toMatchObject({ kind: 'host', host: '/var/tmp/world/pg/run', port: 5432 });
		expect(target.display).toBe('postgres://app@/appdb?host=/var/tmp/world/pg/run');
		expect(mapThroughMounts('/var/run/postgresql', mounts)).toBe('/var/tmp/world/pg/run');
		expect(mapThroughMounts('/data/sock', mounts)).toBe('/var/lib/docker/volumes/data/_data/sock');
		expect(mapThroughMounts('/run/postgresql-other', mounts)).toBeUndefined();
		await expect(resolveDatabaseTarget({ url: 'postgresql://app@/appdb?host=/sockets', env: noPgEnv, appMounts: mounts })).rejects.toMatchObject({
			kind: 'unreachable',
			message: expect.stringMatching(/socket directory \/sockets.*not mounted/),
		});
	});

	it('finds a database container by name or alias, or by --db-container', async () => {
		const lookups: string[] = [];
		const lookupContainer = async (name: string) => {
			lookups.push(name);
			return name === 'db' || name === 'pg-alias' ? { name: 'proj-db-1', network: 'proj_default', image: 'postgres:15' } : undefined;
		};
		const target = await resolveDatabaseTarget({ url: `postgres://app:${ENCODED}@pg-alias:5432/appdb`, env: noPgEnv, lookupContainer, appNetworks: ['proj_default'] });
		expect(target).toMatchObject({ kind: 'container', container: 'proj-db-1', network: 'proj_default', image: 'postgres:15', host: 'pg-alias', port: 5432, password: SECRET });
		expect(target.display).toBe('postgres://app@pg-alias:5432/appdb (via container proj-db-1)');
		// An IP, localhost or a socket is never looked up; an unknown name stays a host.
		await resolveDatabaseTarget({ url: 'postgres://app@127.0.0.1/appdb', env: noPgEnv, lookupContainer });
		await resolveDatabaseTarget({ url: 'postgres://app@localhost/appdb', env: noPgEnv, lookupContainer });
		expect(lookups).toEqual(['pg-alias']);
		expect((await resolveDatabaseTarget({ url: 'postgres://app@db.example.test/appdb', env: noPgEnv, lookupContainer })).kind).toBe('host');
		const explicit = await resolveDatabaseTarget({ url: 'postgres://app@10.1.2.3/appdb', env: noPgEnv, dbContainer: 'mydb' });
		expect(explicit).toMatchObject({ kind: 'container', container: 'mydb' });
	});

	it('refuses to guess a database without a URL', async () => {
		await expect(resolveDatabaseTarget({ env: { PGDATABASE: 'x', PGHOST: 'h' } })).rejects.toMatchObject({ kind: 'bad-url' });
	});
});

describe('helpers', () => {
	it('parses pgpass escapes', () => {
		expect(parsePgpassLine('h:5432:db:u:p\\:w\\\\d:more')).toEqual(['h', '5432', 'db', 'u', 'p:w\\d:more']);
		expect(parsePgpassLine('# c')).toBeUndefined();
		expect(parsePgpassLine('h:5432:db')).toBeUndefined();
	});

	it('tells connection faults apart', () => {
		expect(connectionKindOf(Object.assign(new Error('x'), { code: '28P01' }))).toBe('auth');
		expect(connectionKindOf(Object.assign(new Error('x'), { code: '3D000' }))).toBe('no-database');
		expect(connectionKindOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('unreachable');
		expect(connectionKindOfText('pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused')).toBe('unreachable');
		expect(connectionKindOfText('FATAL:  password authentication failed for user "u"')).toBe('auth');
		expect(connectionKindOfText('FATAL:  database "nope" does not exist')).toBe('no-database');
		expect(connectionKindOfText('ERROR:  syntax error')).toBeUndefined();
	});

	it('reads pg_restore --list', () => {
		const entries = parseListing(
			[
				';',
				'; Archive created at 2025-01-01',
				'5; 2615 2200 SCHEMA - public pg_database_owner',
				'6; 2615 16500 SCHEMA - audit app',
				'215; 1259 16390 TABLE public accounts app',
				'216; 1259 16391 TABLE public my table app',
				'3350; 0 16390 TABLE DATA public accounts app',
				'220; 1259 16395 SEQUENCE public accounts_id_seq app',
			].join('\n'),
		);
		expect(listedTables(entries)).toEqual(['public.accounts', 'public.my table']);
		expect(listsTable(entries, 'public', 'accounts')).toBe(true);
		expect(listsTable(entries, 'public', 'my table')).toBe(true);
		expect(listsTable(entries, 'public', 'accounts_id_seq')).toBe(false);
		expect(listedSchemas(entries)).toEqual(['public', 'audit']);
	});

	it('reads the major of pg_dump --version', () => {
		expect(parseToolMajor('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)')).toBe(15);
		expect(parseToolMajor('pg_dump (PostgreSQL) 17devel')).toBe(17);
		expect(parseToolMajor('nonsense')).toBeUndefined();
	});
});
