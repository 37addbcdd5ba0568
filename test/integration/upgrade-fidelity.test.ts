import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, exists, freePort, inspect, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { runWizard, type WizardRun } from '../support/wizard.js';
import { tempDir } from '../support/temp-dir.js';

// The heart of the product: after `--yes --to 1.7.0` the container is the same
// container, configuration for configuration, on the new image; what only
// repeated the old image's defaults now comes from the new image.

const w = world();
const id = uniqueName('fid');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const app = `${id}-app`;
const plain = `${id}-plain`;
// No pinned address: created as <name>-uw-new before the stop, renamed after the park.
const staged = `${id}-staged`;
const secretToken = `tok-${id}-very-secret`;
let db: TestDatabase;
let before: any;
let beforePlain: any;
let beforeStaged: any;
let run: WizardRun;
let json: WizardRun;
let port: number;
let stagedPort: number;
const subnetByte = randomInt(16, 250);

beforeAll(async () => {
	db = await createTestDatabase(w);
	port = await freePort();
	stagedPort = await freePort();
	const netA = `${id}-front`;
	const netB = `${id}-back`;
	await docker(['network', 'create', '--label', TEST_LABEL, '--label', caseLabel, '--subnet', `172.31.${subnetByte}.0/24`, netA]);
	await docker(['network', 'create', '--label', TEST_LABEL, '--label', caseLabel, netB]);
	await docker(['volume', 'create', '--label', TEST_LABEL, '--label', caseLabel, `${id}-data`]);
	const bindDir = tempDir('uw-bind-');
	writeFileSync(join(bindDir, 'app.conf'), 'mode=fidelity\n');
	await docker(['create', '--name', `${id}-shared`, '--label', TEST_LABEL, '--label', caseLabel, '-v', '/shared', `${w.appRepo}:1.6.0`]);

	await startApp(w, {
		name: app,
		tag: '1.6.0',
		db,
		caseLabel,
		args: [
			'-e', `API_TOKEN=${secretToken}`,
			'-e', 'OPERATOR_SETTING=kept',
			'--label', 'com.example.extra=yes',
			'-p', `127.0.0.1:${port}:8080`,
			'-v', `${id}-data:/var/lib/app`,
			'-v', `${bindDir}:/config:ro`,
			'--tmpfs', '/scratch:size=16m',
			'--network', netA, '--network-alias', 'appalias', '--ip', `172.31.${subnetByte}.10`,
			'--restart', 'unless-stopped',
			'-m', '256m',
			'--volumes-from', `${id}-shared`,
		],
		command: ['serve', '--flavor=operator'],
	});
	await docker(['network', 'connect', '--alias', 'backalias', netB, app]);
	await startApp(w, { name: plain, tag: '1.6.0', db, caseLabel });
	await startApp(w, {
		name: staged,
		tag: '1.6.0',
		db,
		caseLabel,
		args: ['-p', `127.0.0.1:${stagedPort}:8080`, '--network', netB, '--network-alias', 'stagedback', '-v', `${id}-data:/var/lib/app`],
	});
	await docker(['network', 'connect', '--alias', 'stagedfront', netA, staged]);

	// Data that must survive the swap: a named volume, the image's anonymous volume, --volumes-from.
	await docker(['exec', app, 'sh', '-c', 'echo named-volume-data > /var/lib/app/keep.txt; echo anon-volume-data > /data/keep.txt; echo shared-data > /shared/keep.txt']);
	await docker(['exec', plain, 'sh', '-c', 'echo plain-anon-data > /data/keep.txt']);
	before = await inspect(app);
	beforePlain = await inspect(plain);
	beforeStaged = await inspect(staged);

	run = await runWizard(['--yes', '--container', app, '--container', plain, '--container', staged, '--to', '1.7.0', '--health-timeout', '90']);
}, 300_000);

afterAll(async () => {
	await removeByLabel(caseLabel);
	await db?.drop();
});

describe('upgrade --yes keeps the configuration', () => {
	it('exits 0 and reports both containers upgraded with their downtime', () => {
		expect(run.stderr).toBe('');
		expect(run.exitCode, run.stdout).toBe(0);
		expect(run.stdout).toMatch(new RegExp(`${app}: .*1\\.6\\.0 -> .*1\\.7\\.0: upgraded\\s+downtime \\d`));
		expect(run.stdout).toMatch(new RegExp(`${plain}: .*upgraded`));
	});

	it('runs the new image under the same name, with the old container removed', async () => {
		const after = await inspect(app);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.7.0`);
		expect(after.Id).not.toBe(before.Id);
		expect(after.State.Running).toBe(true);
		expect(await exists(`${app}-old`)).toBe(false);
		const version = (await (await fetch(`http://127.0.0.1:${port}/version`)).json()) as { version: string };
		expect(version.version).toBe('1.7.0');
	});

	it('keeps every operator setting', async () => {
		const after = await inspect(app);
		expect(after.Config.Env).toEqual(expect.arrayContaining([`API_TOKEN=${secretToken}`, 'OPERATOR_SETTING=kept', `DATABASE_URL=${db.containerUrl}`]));
		expect(after.Config.Labels['com.example.extra']).toBe('yes');
		expect(after.Config.Labels['io.upgrade-wizard.test']).toBe('1');
		expect(after.Config.Cmd).toEqual(['serve', '--flavor=operator']);
		const host = after.HostConfig;
		expect(host.PortBindings).toEqual(before.HostConfig.PortBindings);
		expect(host.Binds).toEqual(before.HostConfig.Binds);
		expect(host.Tmpfs).toEqual({ '/scratch': 'size=16m' });
		expect(host.RestartPolicy.Name).toBe('unless-stopped');
		expect(host.Memory).toBe(256 * 1024 * 1024);
		expect(host.VolumesFrom).toEqual([`${id}-shared`]);
	});

	it('keeps both networks with their aliases and the static address', async () => {
		const after = await inspect(app);
		const networks = after.NetworkSettings.Networks;
		expect(Object.keys(networks).sort()).toEqual(Object.keys(before.NetworkSettings.Networks).sort());
		const front = networks[`${id}-front`];
		expect(front.Aliases).toContain('appalias');
		expect(front.IPAMConfig.IPv4Address).toBe(`172.31.${subnetByte}.10`);
		expect(front.IPAddress).toBe(`172.31.${subnetByte}.10`);
		expect(networks[`${id}-back`].Aliases).toContain('backalias');
	});

	it('keeps the data of the named volume, the anonymous volume and --volumes-from', async () => {
		const { stdout } = await docker(['exec', app, 'sh', '-c', 'cat /var/lib/app/keep.txt /data/keep.txt /shared/keep.txt /config/app.conf']);
		expect(stdout.split('\n')).toEqual(['named-volume-data', 'anon-volume-data', 'shared-data', 'mode=fidelity']);
		const after = await inspect(app);
		const anonBefore = before.Mounts.find((mount: any) => mount.Destination === '/data');
		const anonAfter = after.Mounts.find((mount: any) => mount.Destination === '/data');
		expect(anonAfter.Name).toBe(anonBefore.Name);
		const plainData = await docker(['exec', plain, 'cat', '/data/keep.txt']);
		expect(plainData.stdout).toBe('plain-anon-data');
	});

	it("applies the new image's own defaults where the operator set none", async () => {
		const oldImage = await inspect(`${w.appRepo}:1.6.0`);
		const newImage = await inspect(`${w.appRepo}:1.7.0`);
		const after = await inspect(plain);
		// The fixture versions differ in env, labels, cmd and healthcheck, so a copy of the old defaults fails here.
		expect(newImage.Config.Cmd).not.toEqual(oldImage.Config.Cmd);
		expect(after.Config.Cmd).toEqual(newImage.Config.Cmd);
		const changedEnv = newImage.Config.Env.filter((entry: string) => !oldImage.Config.Env.includes(entry));
		expect(changedEnv.length).toBeGreaterThan(0);
		expect(after.Config.Env).toEqual(expect.arrayContaining(newImage.Config.Env));
		for (const entry of oldImage.Config.Env.filter((item: string) => !newImage.Config.Env.includes(item))) {
			expect(after.Config.Env).not.toContain(entry);
		}
		for (const [key, value] of Object.entries(newImage.Config.Labels)) expect(after.Config.Labels[key]).toBe(value);
		expect(after.Config.Healthcheck).toEqual(newImage.Config.Healthcheck);
		expect(beforePlain.Config.Healthcheck).toEqual(oldImage.Config.Healthcheck);
		expect(newImage.Config.Healthcheck).not.toEqual(oldImage.Config.Healthcheck);
	});

	it('creates the new container before the stop unless it pins an address, and the staged one keeps its networks, aliases, port and DNS name', async () => {
		// The static address waits for the stop; the others are created while the old ones serve.
		const lines = run.stdout.split('\n');
		const first = (who: string, step: string) => lines.findIndex((line) => line.startsWith(`[${who}] ${step}`));
		expect(first(app, 'stop')).toBeLessThan(first(app, 'create'));
		for (const who of [plain, staged]) {
			expect(first(who, 'create'), run.stdout).toBeGreaterThan(-1);
			expect(first(who, 'create')).toBeLessThan(first(who, 'stop'));
			expect(lines[first(who, 'create')]).toContain(`as ${who}-uw-new`);
		}
		const after = await inspect(staged);
		expect(after.Name).toBe(`/${staged}`);
		expect(after.Id).not.toBe(beforeStaged.Id);
		expect(await exists(`${staged}-uw-new`)).toBe(false);
		const networks = after.NetworkSettings.Networks;
		expect(Object.keys(networks).sort()).toEqual(Object.keys(beforeStaged.NetworkSettings.Networks).sort());
		expect(networks[`${id}-back`].Aliases).toContain('stagedback');
		expect(networks[`${id}-front`].Aliases).toContain('stagedfront');
		expect(after.HostConfig.PortBindings).toEqual(beforeStaged.HostConfig.PortBindings);
		const version = (await (await fetch(`http://127.0.0.1:${stagedPort}/version`)).json()) as { version: string };
		expect(version.version).toBe('1.7.0');
		// Its name on the networks is the old one, not the staging name: the rename came before the start.
		const lookup = await docker(['exec', app, 'nslookup', staged]);
		const answered = [...lookup.stdout.split('Name:')[1]!.matchAll(/Address:\s*(\S+)/g)].map((match) => match[1]);
		const ips = Object.values(networks).map((endpoint: any) => endpoint.IPAddress);
		expect(answered.length, lookup.stdout).toBeGreaterThan(0);
		for (const ip of answered) expect(ips, lookup.stdout).toContain(ip);
		const stray = await docker(['exec', app, 'nslookup', `${staged}-uw-new`], { reject: false });
		expect(`${stray.stdout}${stray.stderr}`).toMatch(/NXDOMAIN|can't find/);
	});

	it('migrated the database to the new schema', async () => {
		const [schema] = await db.query<{ version: number }>('SELECT max(version)::int AS version FROM schema_version');
		expect(schema!.version).toBe(5);
	});

	it('never prints the password or the token, in human or JSON output', async () => {
		json = await runWizard(['--yes', '--json', '--dry-run', '--container', app, '--to', '1.7.2']);
		expect(json.exitCode, json.stderr).toBe(0);
		for (const output of [run.stdout, run.stderr, json.stdout, json.stderr]) {
			expect(output).not.toContain(db.password);
			expect(output).not.toContain(secretToken);
		}
		for (const line of json.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
		// Nor in the journal and the audit log on disk.
		const files = readdirSync(run.stateDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
		expect(files.length).toBeGreaterThanOrEqual(2);
		for (const file of files) {
			const text = readFileSync(join(file.parentPath, file.name), 'utf8');
			expect(text).not.toContain(db.password);
			expect(text).not.toContain(secretToken);
		}
	});
});
