import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../source/core/errors.js';
import { validateProfile } from '../../source/profiles/schema.js';
import { acmeProfile, builtinProfiles, genericProfile, profileFor } from '../../source/profiles/profile.js';
import { describeProfiles, loadProfiles, userProfileDir } from '../../source/profiles/load.js';
import { globToRegExp } from '../../source/profiles/match.js';

const VALID = {
	id: 'shop',
	name: 'Shop',
	match: [{ repository: '*/shop/web' }],
	version: { label: 'org.opencontainers.image.version', tags: 'vX.Y.Z' },
	database: { urlEnv: ['SHOP_DB', 'DATABASE_URL'] },
	schemaVersion: { query: 'SELECT 1', label: 'shop.schema' },
	labels: { minUpgradeFrom: 'shop.min', releaseNotes: 'shop.notes' },
	migrationLog: 'alembic|migrat',
	health: { port: 8000, path: '/health' },
};

function rejects(value: unknown): string {
	try {
		validateProfile(value, '/etc/p.yaml');
	} catch (error) {
		expect(error).toBeInstanceOf(UsageError);
		expect((error as UsageError).exitCode).toBe(2);
		return (error as Error).message;
	}
	throw new Error('accepted');
}

describe('profile schema', () => {
	it('accepts a complete profile and fills the defaults', () => {
		const doc = validateProfile(VALID, 'x');
		expect(doc.match).toEqual([{ repository: ['*/shop/web'] }]);
		expect(doc.health).toEqual({ port: 8000, path: '/health', status: 200 });
		expect(doc.version.tags).toBe('vX.Y.Z');
	});

	it.each([
		['a missing key', { ...VALID, name: undefined }, 'name: must be a non-empty string, not missing'],
		['an unknown key', { ...VALID, colour: 'red' }, 'colour: unknown key'],
		['a nested unknown key', { ...VALID, version: { label: 'a', scheme: 'X.Y.Z' } }, 'version.scheme: unknown key'],
		['a bad id', { ...VALID, id: 'Shop App' }, 'id: must be lower-case'],
		['a bad tag scheme', { ...VALID, version: { label: 'a', tags: 'X.Y' } }, 'version.tags: must be one of X.Y.Z, vX.Y.Z, YY.0.N'],
		['a bad env key', { ...VALID, database: { urlEnv: ['DB URL'] } }, 'database.urlEnv[0]: must be an environment variable name'],
		['an empty list', { ...VALID, database: { urlEnv: [] } }, 'database.urlEnv: must be a string or a non-empty list'],
		['an embedded form that is no mapping', { ...VALID, database: { urlEnv: ['A'], embedded: true } }, 'database.embedded: must be a mapping'],
		['a bad regex', { ...VALID, migrationLog: '(' }, 'migrationLog: is not a valid regular expression'],
		['a bad port', { ...VALID, health: { port: 70000, path: '/' } }, 'health.port: must be an integer 1..65535'],
		['a bad path', { ...VALID, health: { port: 80, path: 'health' } }, 'health.path: must be a path starting with "/"'],
		['an empty match rule', { ...VALID, match: [{}] }, 'match[0]: needs repository or labels'],
		['a bad label condition', { ...VALID, match: { labels: { a: 3 } } }, 'match.labels.a: must be a string (equal) or true (present)'],
		['not a mapping', ['id'], '(top level): must be a mapping, not a list'],
		['an empty file', null, '(top level): must be a mapping, not empty'],
	])('%s: one line naming the file and the key', (_name, value, problem) => {
		const message = rejects(value);
		expect(message).toContain('profile /etc/p.yaml: ');
		expect(message).toContain(problem);
		expect(message).not.toContain('\n');
	});
});

describe('profileFor', () => {
	const acmeImage = { Config: { Labels: { 'com.acme.app.schema-version': '3' } } };
	it('matches the acme fixture by repository path, whatever the registry', () => {
		expect(profileFor({ Config: { Image: '127.0.0.1:5000/acme/app:1.6.0' } }, { Config: { Labels: {} } }).id).toBe('acme-app');
		expect(profileFor({ Config: { Image: 'acme/app' } }, undefined).id).toBe('acme-app');
		expect(profileFor({ Config: { Image: 'registry.example:5000/acme/app@sha256:ab' } }, null).id).toBe('acme-app');
	});
	it('matches by label (image labels first, container labels too)', () => {
		expect(profileFor({ Config: { Image: 'other/thing:1' } }, acmeImage)).toBe(acmeProfile);
		expect(profileFor({ Config: { Image: 'other/thing:1', Labels: { 'com.acme.app.schema-version': '1' } } }, undefined)).toBe(acmeProfile);
	});
	it('falls back to generic', () => {
		expect(profileFor({ Config: { Image: '127.0.0.1:5000/acme/app-other:1' } }, { Config: { Labels: {} } })).toBe(genericProfile);
		expect(profileFor(undefined, undefined)).toBe(genericProfile);
	});
	it('a forced profile wins', () => {
		expect(profileFor({ Config: { Image: 'acme/app:1' } }, acmeImage, { ...builtinProfiles(), forced: genericProfile })).toBe(genericProfile);
	});
	it('the seed products by their vendors\' image names', () => {
		const id = (image: string) => profileFor({ Config: { Image: image } }, undefined).id;
		expect(id('quay.io/projectquay/quay:v3.9.0')).toBe('quay');
		expect(id('registry.redhat.io/quay/quay-rhel8:v3.8.12')).toBe('quay');
		expect(id('quay.io/coreos/quay-enterprise:v2.9.5')).toBe('quay');
		expect(id('anchore/anchore-engine:v0.9.4')).toBe('anchore-engine');
		expect(id('docker.io/anchore/anchore-engine:v1.0.0')).toBe('anchore-engine');
		expect(id('proget.inedo.com/productimages/inedo/proget:24.0.5')).toBe('inedo-proget');
		expect(id('proget.inedo.com/productimages/inedo/buildmaster:23.0.1')).toBe('inedo-buildmaster-otter');
		expect(id('proget.inedo.com/productimages/inedo/otter:2024.1')).toBe('inedo-buildmaster-otter');
		expect(id('quay.io/prometheus/node-exporter:v1.8.0')).toBe('generic');
	});
	it('keeps today\'s acme facts', () => {
		expect(acmeProfile).toMatchObject({
			labels: { version: 'org.opencontainers.image.version', schemaVersion: 'com.acme.app.schema-version', minUpgradeFrom: 'com.acme.app.min-upgrade-from', releaseNotes: 'com.acme.app.release-notes' },
			database: { urlEnv: ['DATABASE_URL'] },
			schemaVersionQuery: 'SELECT max(version) FROM schema_version',
			source: 'built-in',
		});
		expect(acmeProfile.migrationLog.test('Running MIGRATIONS')).toBe(true);
		expect(genericProfile.schemaVersionQuery).toBeUndefined();
	});
	it('a command rule matches an inspect (Path, Args) and a list row (Command) alike', async () => {
		const doc = validateProfile({ ...VALID, id: 'quay-config', match: [{ repository: '*/shop/web', command: '(^| )config( |$)' }] }, 'f');
		const { compileProfile } = await import('../../source/profiles/profile.js');
		const set = { profiles: [compileProfile(doc, 'f'), genericProfile] };
		const image = 'reg.example/shop/web:1';
		expect(profileFor({ Config: { Image: image }, Path: '/entrypoint', Args: ['config', 'secret'] }, undefined, set).id).toBe('quay-config');
		expect(profileFor({ Config: { Image: image }, Command: '/entrypoint config secret' }, undefined, set).id).toBe('quay-config');
		expect(profileFor({ Config: { Image: image }, Path: '/entrypoint', Args: ['registry'] }, undefined, set).id).toBe('generic');
		expect(profileFor({ Config: { Image: image } }, undefined, set).id).toBe('generic');
		expect(rejects({ ...VALID, match: [{ repository: 'a', command: '(' }] })).toContain('match[0].command: is not a valid regular expression');
	});
	it('globs: * within a segment, ** across', () => {
		expect(globToRegExp('*/acme/app').test('a:5000/acme/app')).toBe(true);
		expect(globToRegExp('*/acme/app').test('a/b/acme/app')).toBe(false);
		expect(globToRegExp('**/app').test('a/b/app')).toBe(true);
		expect(globToRegExp('a.b/app').test('aXb/app')).toBe(false);
	});
});

describe('loadProfiles', () => {
	const dirs: string[] = [];
	afterEach(() => {
		for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
	});
	function home(): { env: NodeJS.ProcessEnv; dir: string; root: string } {
		const root = mkdtempSync(join(tmpdir(), 'uw-prof-'));
		dirs.push(root);
		const env = { XDG_CONFIG_HOME: join(root, 'config'), HOME: root };
		return { env, dir: userProfileDir(env), root };
	}
	const yaml = (lines: string[]) => `${lines.join('\n')}\n`;
	const shop = (id = 'shop', name = 'Shop') =>
		yaml([
			`id: ${id}`,
			`name: ${name}`,
			'match:',
			'  - repository: "*/shop/web"',
			'version: { label: org.opencontainers.image.version }',
			'database: { urlEnv: [SHOP_DB] }',
			'schemaVersion: { label: shop.schema }',
			'labels: { minUpgradeFrom: shop.min, releaseNotes: shop.notes }',
			'migrationLog: migrat',
		]);

	it('built-ins only, without a user directory', async () => {
		const { env } = home();
		const set = await loadProfiles({ env });
		expect(set.profiles.map((profile) => [profile.id, profile.source])).toEqual([
			['generic', 'built-in'],
			['acme-app', 'built-in'],
			...['quay', 'anchore-engine', 'inedo-proget', 'inedo-buildmaster-otter'].map((id) => [id, 'built-in']),
		]);
	});

	it('the XDG user directory (only *.yaml / *.yml), ahead of the built-ins', async () => {
		const { env, dir } = home();
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'shop.yaml'), shop());
		writeFileSync(join(dir, 'notes.txt'), 'not a profile');
		const set = await loadProfiles({ env });
		expect(set.profiles.map((profile) => profile.id)).toEqual(['shop', 'generic', 'acme-app', ...['quay', 'anchore-engine', 'inedo-proget', 'inedo-buildmaster-otter']]);
		expect(set.profiles[0]!.source).toBe(join(dir, 'shop.yaml'));
		expect(profileFor({ Config: { Image: 'reg:5000/shop/web:2' } }, undefined, set).id).toBe('shop');
	});

	it('the default directory is ~/.config/upgrade-wizard/profiles', () => {
		expect(userProfileDir({ HOME: '/home/op' })).toBe('/home/op/.config/upgrade-wizard/profiles');
	});

	it('--profile FILE, and a user profile with a built-in id replaces it', async () => {
		const { env, root } = home();
		const file = join(root, 'acme.yml');
		writeFileSync(file, shop('acme-app', 'My Acme'));
		const set = await loadProfiles({ env, files: [file] });
		expect(set.profiles.map((profile) => [profile.id, profile.name, profile.source])).toEqual([
			['acme-app', 'My Acme', file],
			['generic', 'generic container', 'built-in'],
			['quay', 'Quay', 'built-in'],
			['anchore-engine', 'Anchore Engine', 'built-in'],
			['inedo-proget', 'Inedo ProGet', 'built-in'],
			['inedo-buildmaster-otter', 'Inedo BuildMaster / Otter', 'built-in'],
		]);
		expect(describeProfiles(set, false)[0]).toContain(`${file} (replaces the built-in acme-app)`);
		expect(JSON.parse(describeProfiles(set, true)[0]!)).toEqual({ id: 'acme-app', name: 'My Acme', source: file, replaces: 'built-in' });
	});

	it('--profile-id forces one; an unknown id names the known ones', async () => {
		const { env } = home();
		expect((await loadProfiles({ env, forceId: 'generic' })).forced?.id).toBe('generic');
		await expect(loadProfiles({ env, forceId: 'gitlab' })).rejects.toThrow('--profile-id gitlab: no such profile (known: generic, acme-app, quay, anchore-engine, inedo-proget, inedo-buildmaster-otter)');
	});

	it.each([
		['not YAML', 'id: [unclosed', 'not valid YAML'],
		['a schema error', shop().replace('migrationLog: migrat', 'migrationLog: "("'), 'migrationLog: is not a valid regular expression'],
		['an empty file', '', '(top level): must be a mapping, not empty'],
	])('a bad file (%s) is one UsageError naming it', async (_name, text, problem) => {
		const { env, dir } = home();
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'bad.yaml'), text);
		const error = await loadProfiles({ env }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(UsageError);
		expect((error as Error).message).toContain(`profile ${join(dir, 'bad.yaml')}: `);
		expect((error as Error).message).toContain(problem);
	});

	it('a missing --profile file and a duplicate id are refused', async () => {
		const { env, root, dir } = home();
		await expect(loadProfiles({ env, files: [join(root, 'nope.yaml')] })).rejects.toThrow(`profile ${join(root, 'nope.yaml')}: cannot read it (no such file)`);
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'a.yaml'), shop());
		writeFileSync(join(dir, 'b.yaml'), shop());
		await expect(loadProfiles({ env })).rejects.toThrow(`profile ${join(dir, 'b.yaml')}: id: "shop" is already defined by ${join(dir, 'a.yaml')}`);
	});
});
