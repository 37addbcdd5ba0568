import Docker from 'dockerode';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { docker, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { containerFileReader } from '../../source/docker/container-file.js';
import { locateFromSpec } from '../../source/profiles/database-location.js';
import { tempDir } from '../support/temp-dir.js';

// A config file inside a real container, read the three ways the issue asks:
// through its bind mount on this host, through its named volume's mountpoint,
// and from the container's own filesystem over the Engine API (a file copied
// into a created, never started container: no mount holds it).

const w = world();
const engine = new Docker();
const id = uniqueName('cfile');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const hostDir = tempDir('uw-cfile-');
const volume = `${id}-conf`;
const URL = 'postgresql://quay:p%40ss@quay-db:5432/quay';

async function container(name: string, args: string[], start = true): Promise<Docker.ContainerInspectInfo> {
	await docker([start ? 'run' : 'create', ...(start ? ['-d'] : []), '--name', name, '--label', TEST_LABEL, '--label', caseLabel, ...args, `${w.appRepo}:1.6.0`, 'sleep', '300']);
	return engine.getContainer(name).inspect();
}

beforeAll(async () => {
	writeFileSync(join(hostDir, 'config.yaml'), `SETUP_COMPLETE: true\nDB_URI: ${URL}\n`);
	await docker(['volume', 'create', '--label', TEST_LABEL, '--label', caseLabel, volume]);
});

afterAll(async () => {
	await removeByLabel(caseLabel);
	rmSync(hostDir, { recursive: true, force: true });
});

describe('reading a file inside a container', () => {
	it('through its bind mount on this host', async () => {
		const app = await container(`${id}-bind`, ['-v', `${hostDir}:/conf/stack:ro`]);
		const read = await containerFileReader(engine, app)('/conf/stack/config.yaml');
		expect(read).toEqual({ text: `SETUP_COMPLETE: true\nDB_URI: ${URL}\n`, via: `bind mount ${join(hostDir, 'config.yaml')}` });
		const found = await locateFromSpec({ configFile: { path: '/conf/stack/config.yaml', format: 'yaml', key: 'DB_URI' } }, app.Config.Env, containerFileReader(engine, app));
		expect(found).toEqual({ kind: 'url', url: URL, form: 'configFile', from: `DB_URI in /conf/stack/config.yaml (bind mount ${join(hostDir, 'config.yaml')})` });
		expect(await containerFileReader(engine, app)('/conf/stack/nope.yaml')).toBeUndefined();
	});

	it('through its named volume', async () => {
		const app = await container(`${id}-vol`, ['-v', `${volume}:/conf`]);
		await docker(['exec', app.Id, 'sh', '-c', `printf '{"database": {"url": "%s"}}' '${URL}' > /conf/config.json`]);
		const read = await containerFileReader(engine, app)('/conf/config.json');
		// This host can read the volume's mountpoint (the suite runs as root next to the engine), else the Engine API serves it.
		expect(read?.via).toMatch(new RegExp(`^volume ${volume}( at /.+/config\\.json|, through the Engine API)$`));
		const found = await locateFromSpec({ configFile: { path: '/conf/config.json', format: 'json', key: 'database.url' } }, [], containerFileReader(engine, app));
		expect(found).toMatchObject({ kind: 'url', url: URL });
	});

	it("from the container's own filesystem over the Engine API, bounded in size", async () => {
		const app = await container(`${id}-fs`, [], false);
		const file = join(hostDir, 'app.ini');
		writeFileSync(file, `[main]\nname = x\n[database]\nurl = ${URL}\n`);
		await docker(['cp', file, `${app.Id}:/etc/app.ini`]);
		const read = await containerFileReader(engine, app)('/etc/app.ini');
		expect(read).toEqual({ text: `[main]\nname = x\n[database]\nurl = ${URL}\n`, via: "the container's filesystem, through the Engine API" });
		const found = await locateFromSpec({ configFile: { path: '/etc/app.ini', format: 'ini', key: 'database.url' } }, [], containerFileReader(engine, app));
		expect(found).toEqual({ kind: 'url', url: URL, form: 'configFile', from: "database.url in /etc/app.ini (the container's filesystem, through the Engine API)" });
		expect(await containerFileReader(engine, app)('/etc/nope.ini')).toBeUndefined();
		await expect(containerFileReader(engine, app, { maxBytes: 16 })('/etc/app.ini')).rejects.toThrow('/etc/app.ini is larger than 16 bytes');
		// A directory is no config file.
		expect(await containerFileReader(engine, app)('/etc')).toBeUndefined();
	});
});
