import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { UsageError } from '../../source/core/errors.js';
import { validateProfile } from '../../source/profiles/schema.js';
import { MINIMAL_PROFILE } from '../support/profile-doc.js';
import { compileProfile } from '../../source/profiles/profile.js';
import { libpqPairs, npgsqlPairs, parseConnectionString } from '../../source/profiles/connection-strings.js';
import { configValue, iniValue } from '../../source/profiles/config-file.js';
import { envGlob, locateFromSpec, type ReadContainerFile } from '../../source/profiles/database-location.js';
import { embeddedRestoreByHand } from '../../source/core/run/hand-over.js';
import { formatConnectionUrl, parseConnectionUrl } from '../../source/postgres/connection-url.js';
import { mountOf } from '../../source/docker/container-file.js';
import { locateDatabase, NoDatabaseError, planDatabase } from '../../source/sessions/plan-database.js';
import { connectionOf } from '../../source/sessions/app-database.js';
import { Redactor } from '../../source/text/redact.js';
import type { Plan } from '../../source/core/plan/plan.js';
import type { ContainerPlan } from '../../source/targets/container/plan.js';
import { genericProfile } from '../../source/profiles/profile.js';
import type { DatabaseSpec } from '../../source/profiles/database-schema.js';

// Every form of profile.database: what the schema accepts and refuses, the
// dialect parsers, the URL built from parts, the fixed order of the forms, the
// config file formats, and the refusal of a SQL Server database.

const { database: _database, ...BASE } = MINIMAL_PROFILE;

function databaseOf(database: unknown) {
	return validateProfile({ ...BASE, database }, '/etc/p.yaml').database;
}

function rejects(database: unknown): string {
	try {
		databaseOf(database);
	} catch (error) {
		expect(error).toBeInstanceOf(UsageError);
		expect((error as Error).message).not.toContain('\n');
		return (error as Error).message;
	}
	throw new Error('accepted');
}

const ANCHORE = { host: 'ANCHORE_DB_HOST', port: 'ANCHORE_DB_PORT', name: 'ANCHORE_DB_NAME', user: 'ANCHORE_DB_USER', password: 'ANCHORE_DB_PASSWORD' };

describe('profile schema: database', () => {
	it('accepts every form, and several at once', () => {
		const spec = databaseOf({
			urlEnv: 'DATABASE_URL',
			env: { ...ANCHORE, defaults: { port: 5432, name: 'anchore' } },
			connectionStrings: [
				{ env: 'PROGET_POSTGRES_CONNECTION_STRING', dialect: 'npgsql' },
				{ env: '*_SQL_CONNECTION_STRING', dialect: 'sqlserver' },
			],
			configFile: { path: '/conf/stack/config.yaml', format: 'yaml', key: 'DB_URI' },
		});
		expect(spec).toEqual({
			urlEnv: ['DATABASE_URL'],
			env: { ...ANCHORE, defaults: { port: 5432, name: 'anchore' } },
			connectionStrings: [
				{ env: 'PROGET_POSTGRES_CONNECTION_STRING', dialect: 'npgsql' },
				{ env: '*_SQL_CONNECTION_STRING', dialect: 'sqlserver' },
			],
			configFile: { path: '/conf/stack/config.yaml', format: 'yaml', key: 'DB_URI' },
		});
		expect(databaseOf({ connectionStrings: { env: 'DB', dialect: 'libpq' } })).toEqual({ connectionStrings: [{ env: 'DB', dialect: 'libpq' }] });
		expect(compileProfile(validateProfile({ ...BASE, database: { env: { host: 'H', name: 'N', user: 'U' } } }, 'x'), 'x').database).toEqual({ env: { host: 'H', name: 'N', user: 'U' } });
	});

	it.each([
		['no form', {}, 'database: needs at least one of urlEnv, env, connectionStrings, configFile, embedded'],
		['an embedded key it does not know', { embedded: { path: '/data' } }, 'database.embedded.path: unknown key'],
		['a relative data directory', { embedded: { dataDir: 'var/data' } }, 'database.embedded.dataDir: must be an absolute path to a directory'],
		['an unknown key', { urlEnv: 'A', hostEnv: 'B' }, 'database.hostEnv: unknown key'],
		['an unknown env key', { env: { ...ANCHORE, database: 'X' } }, 'database.env.database: unknown key'],
		['env without host', { env: { name: 'N', user: 'U' } }, 'database.env.host: must be a non-empty string, not missing'],
		['a bad env name', { env: { ...ANCHORE, user: 'DB USER' } }, 'database.env.user: must be an environment variable name'],
		['a bad default port', { env: { ...ANCHORE, defaults: { port: '5432x' } } }, 'database.env.defaults.port: must be an integer 1..65535'],
		['an unknown default', { env: { ...ANCHORE, defaults: { password: 'x' } } }, 'database.env.defaults.password: unknown key'],
		['a bad dialect', { connectionStrings: [{ env: 'A', dialect: 'mysql' }] }, 'database.connectionStrings[0].dialect: must be one of npgsql, libpq, sqlserver'],
		['a bad glob', { connectionStrings: [{ env: 'A?B', dialect: 'npgsql' }] }, 'database.connectionStrings[0].env: must be an environment variable name or a glob'],
		['a glob with a space', { connectionStrings: [{ env: '* CONN', dialect: 'npgsql' }] }, 'database.connectionStrings[0].env: must be'],
		['no dialect', { connectionStrings: [{ env: 'A' }] }, 'database.connectionStrings[0].dialect: must be a non-empty string, not missing'],
		['an empty list', { connectionStrings: [] }, 'database.connectionStrings: must be a mapping or a non-empty list'],
		['a relative path', { configFile: { path: 'conf/x.yaml', format: 'yaml', key: 'K' } }, 'database.configFile.path: must be an absolute path to a file'],
		['a bad format', { configFile: { path: '/x.toml', format: 'toml', key: 'K' } }, 'database.configFile.format: must be one of yaml, json, ini'],
		['a bad key', { configFile: { path: '/x.yaml', format: 'yaml', key: 'a..b' } }, 'database.configFile.key: must be a key'],
	])('refuses %s in one line naming the key', (_name, database, problem) => {
		const message = rejects(database);
		expect(message).toContain('profile /etc/p.yaml: ');
		expect(message).toContain(problem);
	});
});

describe('npgsql connection strings', () => {
	it('takes keys ignoring case, their synonyms, and trims', () => {
		const parsed = parseConnectionString(' Server = db.local ; PORT=5433;Initial Catalog=proget; User ID=pg ; PWD=pw;Pooling=false;', 'npgsql');
		expect(parsed).toEqual({ kind: 'postgres', parts: { host: 'db.local', port: 5433, database: 'proget', user: 'pg', password: 'pw' } });
		for (const key of ['Username', 'User Name', 'UserId', 'UID', 'user id']) {
			expect(parseConnectionString(`Host=h;${key}=u`, 'npgsql')).toEqual({ kind: 'postgres', parts: { host: 'h', user: 'u' } });
		}
		expect(parseConnectionString('Host=h:6000,h2;Database=d', 'npgsql')).toEqual({ kind: 'postgres', parts: { host: 'h', port: 6000, database: 'd' } });
	});

	it('quotes: double or single, the quote doubled inside, ; and = kept', () => {
		expect(npgsqlPairs(`Password="a;b=""c""";Host='x''y'`)).toEqual([
			['Password', 'a;b="c"'],
			['Host', "x'y"],
		]);
		expect(npgsqlPairs('Password=p=q=r')).toEqual([['Password', 'p=q=r']]);
		expect(npgsqlPairs('a==b=1')).toEqual([['a=b', '1']]);
		expect(() => npgsqlPairs('Password="open')).toThrow(/no closing "/);
		expect(() => npgsqlPairs('Host=h;Port')).toThrow(/"Port" has no value/);
	});

	it('never quotes a value in its errors', () => {
		expect(() => npgsqlPairs('Password="s3cret;x')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
	});

	it('recognises a SQL Server string, whatever dialect it was named under', () => {
		expect(parseConnectionString('Data Source=sql1;Initial Catalog=ProGet;Integrated Security=True', 'npgsql')).toEqual({ kind: 'sqlserver' });
		expect(parseConnectionString('Server=tcp:sql1,1433;Database=ProGet;Trusted_Connection=True', 'npgsql')).toEqual({ kind: 'sqlserver' });
		expect(parseConnectionString('Server=sql1\\SQLEXPRESS;Database=ProGet;User Id=sa;Password=x', 'npgsql')).toEqual({ kind: 'sqlserver', password: 'x' });
		expect(parseConnectionString('Server=db;Database=ProGet;User Id=sa;PWD="a;b"', 'sqlserver')).toEqual({ kind: 'sqlserver', password: 'a;b' });
		expect(parseConnectionString('Server=db;Database=ProGet;User Id=sa;Password=x', 'npgsql').kind).toBe('postgres');
	});
});

describe('libpq connection strings', () => {
	it('key = value with spaces, quotes and backslash escapes', () => {
		expect(libpqPairs(`host=db  port = 5433 dbname='my db' user=u password='it\\'s \\\\ ok'`)).toEqual([
			['host', 'db'],
			['port', '5433'],
			['dbname', 'my db'],
			['user', 'u'],
			['password', "it's \\ ok"],
		]);
		expect(libpqPairs('password=a\\ b')).toEqual([['password', 'a b']]);
		expect(parseConnectionString("host=db dbname=app user=app password='p w' sslmode=require", 'libpq')).toEqual({ kind: 'postgres', parts: { host: 'db', database: 'app', user: 'app', password: 'p w' } });
		expect(() => libpqPairs('host')).toThrow(/missing "="/);
		expect(() => libpqPairs("password='open")).toThrow(/no closing quote/);
	});
});

describe('a URL from parts', () => {
	it.each(['p@ss:w/rd%41', 'a b?c#d&e=f', "'\"\\;", 'plain'])('the password %s survives', (password) => {
		const url = formatConnectionUrl({ host: 'db', port: 5432, database: 'app/x', user: 'u@x', password });
		expect(parseConnectionUrl(url)).toEqual({ host: 'db', port: 5432, database: 'app/x', user: 'u@x', password });
	});
	it('a socket directory goes in ?host=, an IPv6 host in brackets', () => {
		expect(parseConnectionUrl(formatConnectionUrl({ host: '/run/postgresql', port: 55432, database: 'd', user: 'u' }))).toEqual({ host: '/run/postgresql', port: 55432, database: 'd', user: 'u' });
		expect(formatConnectionUrl({ host: '::1', database: 'd' })).toBe('postgresql://[::1]/d');
	});
});

describe('config files', () => {
	it('yaml and json by dotted keys, a literal dotted key too', async () => {
		expect(await configValue('DB_URI: postgresql://q:pw@db/quay\nOTHER: 1\n', 'yaml', 'DB_URI')).toBe('postgresql://q:pw@db/quay');
		expect(await configValue('database:\n  url: "postgres://a@b/c"\n', 'yaml', 'database.url')).toBe('postgres://a@b/c');
		expect(await configValue('{"db": {"main": {"url": "postgres://x@y/z"}}}', 'json', 'db.main.url')).toBe('postgres://x@y/z');
		expect(await configValue('{"db.url": "postgres://lit@y/z"}', 'json', 'db.url')).toBe('postgres://lit@y/z');
		expect(await configValue('{"db": {}}', 'json', 'db.url')).toBeUndefined();
		await expect(configValue('{"db": {"url": {"a": 1}}}', 'json', 'db.url')).rejects.toThrow(/db.url is a mapping, not a value/);
		await expect(configValue('{nope', 'json', 'a')).rejects.toThrow(/not valid JSON/);
		await expect(configValue('a: [', 'yaml', 'a')).rejects.toThrow(/not valid YAML/);
	});
	it('ini: section.key, keys ignoring case, quotes, comments', () => {
		const text = ['top = 1', '; comment', '[database]', '# another', 'URL = "postgres://u@h/d"', '[app.main]', 'db: postgres://m@h/d'].join('\n');
		expect(iniValue(text, ['database', 'url'])).toBe('postgres://u@h/d');
		expect(iniValue(text, ['app', 'main', 'db'])).toBe('postgres://m@h/d');
		expect(iniValue(text, ['top'])).toBe('1');
		expect(iniValue(text, ['database', 'nope'])).toBeUndefined();
	});
});

describe('mountOf', () => {
	it('takes the mount with the longest destination that holds the path', () => {
		const mounts = [
			{ Type: 'volume', Name: 'v', Source: '/var/lib/docker/volumes/v/_data', Destination: '/conf' },
			{ Type: 'bind', Source: '/srv/stack', Destination: '/conf/stack' },
			{ Type: 'bind', Source: '/srv/other', Destination: '/conf/stacked' },
		];
		expect(mountOf('/conf/stack/config.yaml', mounts)).toEqual({ mount: mounts[1], rest: '/config.yaml' });
		expect(mountOf('/conf/x.yaml', mounts)).toEqual({ mount: mounts[0], rest: '/x.yaml' });
		expect(mountOf('/etc/x.yaml', mounts)).toBeUndefined();
	});
});

const NO_FILES: ReadContainerFile = async () => undefined;

describe('locating the database from the forms', () => {
	it('env parts: a URL with the password encoded, defaults for what is unset', async () => {
		const env = ['ANCHORE_DB_HOST=anchore-db', 'ANCHORE_DB_USER=anchore', 'ANCHORE_DB_PASSWORD=p@ss:w/%rd'];
		const found = await locateFromSpec({ env: { ...ANCHORE, defaults: { port: 5433, name: 'anchoredb' } } }, env, NO_FILES);
		expect(found).toMatchObject({ kind: 'url', form: 'env', from: 'ANCHORE_DB_HOST, ANCHORE_DB_USER, ANCHORE_DB_PASSWORD' });
		expect(parseConnectionUrl((found as { url: string }).url)).toEqual({ host: 'anchore-db', port: 5433, database: 'anchoredb', user: 'anchore', password: 'p@ss:w/%rd' });
		expect(JSON.stringify(found)).not.toContain('from":"p@ss');
	});
	it('env parts: a missing required part is one line naming the key', async () => {
		await expect(locateFromSpec({ env: ANCHORE }, ['ANCHORE_DB_HOST=h'], NO_FILES)).rejects.toThrow('ANCHORE_DB_HOST set but not ANCHORE_DB_USER');
		await expect(locateFromSpec({ env: ANCHORE }, ['ANCHORE_DB_HOST=h', 'ANCHORE_DB_USER=u', 'ANCHORE_DB_PORT=x'], NO_FILES)).rejects.toThrow('ANCHORE_DB_PORT is not a port number');
	});
	it('connection strings: the first entry of the list that is set, globs over keys', async () => {
		const spec: DatabaseSpec = {
			connectionStrings: [
				{ env: 'PROGET_POSTGRES_CONNECTION_STRING', dialect: 'npgsql' },
				{ env: '*_SQL_CONNECTION_STRING', dialect: 'sqlserver' },
			],
		};
		const pg = await locateFromSpec(spec, ['PROGET_SQL_CONNECTION_STRING=Data Source=x', 'PROGET_POSTGRES_CONNECTION_STRING=Host=db;Database=proget;Username=proget;Password="s;e""c"'], NO_FILES);
		expect(pg).toMatchObject({ kind: 'url', form: 'connectionStrings', from: 'PROGET_POSTGRES_CONNECTION_STRING (npgsql connection string)' });
		expect(parseConnectionUrl((pg as { url: string }).url)).toEqual({ host: 'db', database: 'proget', user: 'proget', password: 's;e"c' });
		expect(await locateFromSpec(spec, ['PROGET_SQL_CONNECTION_STRING=Data Source=x;Initial Catalog=p'], NO_FILES)).toEqual({ kind: 'sqlserver', from: 'PROGET_SQL_CONNECTION_STRING' });
		expect(await locateFromSpec(spec, ['PROGET_SQL_CONNECTION_STRING=Data Source=x;Password=Mssql-pw'], NO_FILES)).toEqual({ kind: 'sqlserver', from: 'PROGET_SQL_CONNECTION_STRING', secret: 'Mssql-pw' });
		expect(envGlob('*_SQL_CONNECTION_STRING').test('A_SQL_CONNECTION_STRING')).toBe(true);
		expect(envGlob('*_SQL_CONNECTION_STRING').test('SQL_CONNECTION_STRING')).toBe(false);
		expect(envGlob('A.B').test('AxB')).toBe(false);
	});
	it('a connection string that does not parse is an error naming the key, not the value', async () => {
		const error = await locateFromSpec({ connectionStrings: [{ env: 'CS', dialect: 'npgsql' }] }, ['CS=Password="s3cret'], NO_FILES).catch((caught: Error) => caught);
		expect((error as Error).message).toMatch(/^CS is not a valid npgsql connection string/);
		expect((error as Error).message).not.toContain('s3cret');
	});
	it('the fixed order: urlEnv, env, connectionStrings, configFile, whatever the file wrote first', async () => {
		const files: ReadContainerFile = async (path) => (path === '/c.json' ? { text: '{"db": "postgres://file@f/f"}', via: 'bind mount /h/c.json' } : undefined);
		const spec: DatabaseSpec = {
			configFile: { path: '/c.json', format: 'json', key: 'db' },
			connectionStrings: [{ env: 'CS', dialect: 'libpq' }],
			env: { host: 'H', name: 'N', user: 'U' },
			urlEnv: ['URL'],
		};
		const all = ['URL=postgres://url@u/u', 'H=h', 'U=env', 'CS=host=c user=cs', 'N=n'];
		const without = (...keys: string[]) => all.filter((entry) => !keys.some((key) => entry.startsWith(`${key}=`)));
		const order = [];
		for (const env of [all, without('URL'), without('URL', 'H', 'U', 'N'), without('URL', 'H', 'U', 'N', 'CS')]) order.push(await locateFromSpec(spec, env, files));
		expect(order.map((found) => (found as { form: string }).form)).toEqual(['urlEnv', 'env', 'connectionStrings', 'configFile']);
		expect(order[3]).toEqual({ kind: 'url', url: 'postgres://file@f/f', form: 'configFile', from: 'db in /c.json (bind mount /h/c.json)' });
	});
	it('nothing found lists every place looked at', async () => {
		const spec: DatabaseSpec = {
			urlEnv: ['DATABASE_URL'],
			env: { host: 'H', name: 'N', user: 'U' },
			connectionStrings: [{ env: '*_CS', dialect: 'npgsql' }],
			configFile: { path: '/c.yaml', format: 'yaml', key: 'db.url' },
		};
		expect(await locateFromSpec(spec, [], NO_FILES)).toEqual({
			kind: 'none',
			looked: ['DATABASE_URL in its environment', 'H/N/U in its environment', '*_CS in its environment', '/c.yaml in the container (no such file)'],
		});
		const found = await locateFromSpec({ configFile: spec.configFile }, [], async () => ({ text: 'db: {}', via: 'volume v at /x' }));
		expect(found).toEqual({ kind: 'none', looked: ['db.url in /c.yaml (volume v at /x: not set there)'] });
	});
	it('a config value that is no postgres URL is refused', async () => {
		await expect(locateFromSpec({ configFile: { path: '/c.ini', format: 'ini', key: 'db.url' } }, [], async () => ({ text: '[db]\nurl=mysql://x@y/z', via: 'v' }))).rejects.toThrow('db.url in /c.ini (v) is not a postgres:// URL');
	});
});

describe('an embedded database', () => {
	const spec: DatabaseSpec = { connectionStrings: [{ env: 'PROGET_POSTGRES_CONNECTION_STRING', dialect: 'npgsql' }], embedded: { dataDir: '/var/proget/database' } };
	const pgVersion: ReadContainerFile = async (path) => (path === '/var/proget/database/PG_VERSION' ? { text: '17\n', via: 'volume pg at /v/_data/PG_VERSION' } : undefined);

	it('is read from the schema', () => {
		expect(databaseOf({ embedded: { dataDir: '/var/proget/database' } })).toEqual({ embedded: { dataDir: '/var/proget/database' } });
	});
	it('is found by the PG_VERSION in its data directory, after every other form', async () => {
		expect(await locateFromSpec(spec, [], pgVersion)).toEqual({
			kind: 'embedded',
			dataDir: '/var/proget/database',
			major: '17',
			from: 'the PostgreSQL 17 data directory /var/proget/database (volume pg at /v/_data)',
		});
		// A connection string wins: the product then uses that server, not its own.
		const external = await locateFromSpec(spec, ['PROGET_POSTGRES_CONNECTION_STRING=Host=db;Database=p;Username=u'], pgVersion);
		expect(external.kind).toBe('url');
	});
	it('a directory without PG_VERSION is no database', async () => {
		expect(await locateFromSpec(spec, [], NO_FILES)).toEqual({
			kind: 'none',
			looked: ['PROGET_POSTGRES_CONNECTION_STRING in its environment', 'PostgreSQL data directory at /var/proget/database in the container'],
		});
		expect((await locateFromSpec(spec, [], async () => ({ text: 'not a version', via: 'v' }))).kind).toBe('none');
	});
	it('the commands to put the copy back by hand do what the restore does', () => {
		const commands = embeddedRestoreByHand({ dataDir: '/var/proget/database', major: '17', container: 'proget', mount: { type: 'volume', source: 'proget-db', destination: '/var/proget/database' } }, 'proget:25.0.1', '/b/p.data.tar');
		expect(commands).toEqual([
			'docker run --rm --user 0:0 --network none --mount type=volume,source=proget-db,target=/var/proget/database --entrypoint find proget:25.0.1 /var/proget/database -mindepth 1 -maxdepth 1 -exec rm -rf {} +',
			'docker cp - proget:/var/proget < /b/p.data.tar   # the copy of /var/proget/database; with proget stopped',
		]);
	});
});

describe('planning the database of a non-URL form', () => {
	const options = { skipBackup: false, offlineBackup: false, noMigrations: false, stopAllFirst: false };
	const planOf = (env: string[], database: DatabaseSpec) =>
		({ units: [{ name: 'proget-1', inspect: { Name: '/proget-1', Config: { Env: env } }, profile: { ...genericProfile, database } }], hops: ['1.7.0'] }) as unknown as Plan<ContainerPlan>;
	const sqlserver = planOf(['PROGET_SQL_CONNECTION_STRING=Data Source=sql;Initial Catalog=ProGet;Password=Mssql-pw'], { connectionStrings: [{ env: '*_SQL_CONNECTION_STRING', dialect: 'sqlserver' }] });

	it('a SQL Server database is a usage error of its own kind, naming --skip-backup; its password is masked', async () => {
		const redactor = new Redactor();
		const error = await planDatabase({} as Docker, sqlserver, options, { env: {}, stateDir: '/nonexistent', redactor }).catch((caught: unknown) => caught);
		expect(redactor.text('Password=Mssql-pw')).not.toContain('Mssql-pw');
		expect(error).toBeInstanceOf(NoDatabaseError);
		expect(error).toMatchObject({ kind: 'not-postgres', container: 'proget-1', exitCode: 2 });
		expect((error as Error).message).toBe('proget-1: its database is SQL Server (PROGET_SQL_CONNECTION_STRING); the wizard backs up only PostgreSQL: pass --skip-backup to upgrade without a backup');
	});
	it('--dry-run shows it as the missing database', async () => {
		let missing = '';
		await expect(planDatabase({} as Docker, sqlserver, options, { env: {}, stateDir: '/nonexistent', redactor: new Redactor(), onMissing: (problem) => (missing = problem) })).resolves.toBeUndefined();
		expect(missing).toContain('its database is SQL Server (PROGET_SQL_CONNECTION_STRING); the wizard backs up only PostgreSQL: a run needs --skip-backup');
	});
	it('nothing found names what was looked at', async () => {
		const error = await planDatabase({} as Docker, planOf([], { env: { host: 'H', name: 'N', user: 'U' } }), options, { env: {}, stateDir: '/nonexistent', redactor: new Redactor() }).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ kind: 'no-database', message: 'proget-1: no database found (no H/N/U in its environment); pass --db URL, or --skip-backup to upgrade without a backup' });
	});
	it('a password built from parts is known to the redactor before anything is printed', async () => {
		const redactor = new Redactor();
		// No engine: the plan fails after locating, at the server check.
		await planDatabase({} as Docker, planOf(['H=127.0.0.1', 'U=u', 'P=pw-from-parts'], { env: { host: 'H', name: 'N', user: 'U', password: 'P' }, urlEnv: ['NONE'] }), options, { env: {}, stateDir: '/nonexistent', redactor, ensureImage: async () => false }).catch(() => undefined);
		expect(redactor.text('x pw-from-parts y')).not.toContain('pw-from-parts');
	});
	it('units share a database when host, port, name and user agree, however spelled', () => {
		expect(connectionOf('postgres://u:a@db/app')).toBe(connectionOf('postgresql://u:b@db:5432/app?sslmode=require'));
		expect(connectionOf('postgres://u@db/app')).not.toBe(connectionOf('postgres://u@db/app2'));
		expect(connectionOf('postgres://u@db/app')).not.toBe(connectionOf('postgres://v@db/app'));
	});
});

describe('recover finds the database again', () => {
	// Socket URLs need no engine: the socket directory maps through the app's mounts.
	const app = (env: string[]) =>
		({
			Id: 'c1',
			Name: '/app-1',
			Config: { Env: env },
			Mounts: [{ Type: 'bind', Source: '/host/pg-run', Destination: '/run/postgresql' }],
			NetworkSettings: { Networks: { bridge: {} } },
			HostConfig: { NetworkMode: 'bridge' },
		}) as unknown as Docker.ContainerInspectInfo;
	const noEngine = { listContainers: async () => [] } as unknown as Docker;

	it('from the journaled spec: env parts, the password read again from the container', async () => {
		const spec: DatabaseSpec = { env: { host: 'H', name: 'N', user: 'U', password: 'P' } };
		const found = await locateDatabase(noEngine, app(['H=/run/postgresql', 'N=appdb', 'U=app', 'P=p@ss:w/rd%']), { envKeys: [], database: spec, display: 'x' }, { PGPASSFILE: '/nonexistent' });
		expect(found.target).toMatchObject({ kind: 'host', host: '/host/pg-run', database: 'appdb', user: 'app', password: 'p@ss:w/rd%' });
	});
	it('from an old journal: envKeys alone', async () => {
		const found = await locateDatabase(noEngine, app(['DATABASE_URL=postgresql://old:pw@/olddb?host=/run/postgresql']), { envKeys: ['DATABASE_URL'], display: 'x' }, { PGPASSFILE: '/nonexistent' });
		expect(found.target).toMatchObject({ kind: 'host', host: '/host/pg-run', database: 'olddb', user: 'old', password: 'pw' });
	});
});
