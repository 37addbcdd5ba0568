import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, inspect, removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { terminal, tmux } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';

// What `npm i -g upgrade-wizard` gets: `npm pack` of a copy of the checkout
// (prepack builds the bundle there, as `npm publish` would), the tarball
// installed alone into an empty prefix with an empty npm cache and --offline
// (so nothing can come from a registry), and the installed binary run as an
// operator would: --help, --version, --dry-run against the world, the TUI's
// first screen, and `demo` / `demo --down`.

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const MAX_INSTALLED_KB = 15 * 1024;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

const w = world();
const id = uniqueName('pack');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const app = `${id}-app`;
const session = `uw-${id}`;
let db: TestDatabase | undefined;
let prefix = '';
let installed = '';
let bin = '';
let installOutput = { stdout: '', stderr: '' };
let demoStarted = false;

/** npm with no user config and its own cache, so the machine's settings and cache play no part. */
function npm(args: string[], options: { cwd: string; scratch: string; timeout: number }) {
	const userconfig = join(options.scratch, 'npmrc');
	writeFileSync(userconfig, '');
	return execa('npm', args, {
		cwd: options.cwd,
		timeout: options.timeout,
		stdin: 'ignore',
		env: {
			npm_config_userconfig: userconfig,
			npm_config_cache: join(options.scratch, 'npm-cache'),
			npm_config_update_notifier: 'false',
			// Nothing answers there: any registry request would fail the install.
			npm_config_registry: 'http://127.0.0.1:9/',
		},
	});
}

function packageJsons(nodeModules: string): string[] {
	const found: string[] = [];
	for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
		if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
		const dir = join(nodeModules, entry.name);
		const dirs = entry.name.startsWith('@') ? readdirSync(dir).map((name) => join(dir, name)) : [dir];
		for (const pkg of dirs) {
			if (existsSync(join(pkg, 'package.json'))) found.push(join(pkg, 'package.json'));
			if (existsSync(join(pkg, 'node_modules'))) found.push(...packageJsons(join(pkg, 'node_modules')));
		}
	}
	return found;
}

function installedBinary(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}) {
	return execa(bin, args, {
		reject: false,
		stdin: 'ignore',
		timeout: options.timeoutMs ?? 120_000,
		cwd: prefix,
		env: { XDG_STATE_HOME: tempDir('uw-pack-state-'), DOCKER_HOST: w.dockerHost, ...options.env },
	});
}

beforeAll(async () => {
	const scratch = tempDir('uw-pack-');
	// A fresh checkout's files (tracked, plus new ones not ignored), without dist/:
	// the package must be built by `npm pack` itself. node_modules is the checkout's.
	const checkout = join(scratch, 'checkout');
	const { stdout: listed } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, timeout: 30_000 });
	const files = listed.split('\0').filter((file) => file && existsSync(join(repo, file)));
	await execa('mkdir', ['-p', checkout], { timeout: 10_000 });
	await execa('tar', ['-C', repo, '--null', '-T', '-', '-cf', join(scratch, 'checkout.tar')], { input: files.join('\0'), timeout: 60_000 });
	await execa('tar', ['-C', checkout, '-xf', join(scratch, 'checkout.tar')], { timeout: 60_000 });
	await execa('ln', ['-s', join(repo, 'node_modules'), join(checkout, 'node_modules')], { timeout: 10_000 });
	expect(existsSync(join(checkout, 'dist'))).toBe(false);

	const packDir = join(scratch, 'pack');
	await execa('mkdir', ['-p', packDir], { timeout: 10_000 });
	await npm(['pack', '--pack-destination', packDir], { cwd: checkout, scratch, timeout: 240_000 });
	const tarballs = readdirSync(packDir).filter((name) => name.endsWith('.tgz'));
	expect(tarballs).toEqual([`upgrade-wizard-${version}.tgz`]);

	// An empty prefix under the scratch dir; no node_modules above it may lend the binary anything.
	prefix = join(scratch, 'prefix');
	await execa('mkdir', ['-p', prefix], { timeout: 10_000 });
	for (let dir = dirname(prefix); dir !== parse(dir).root; dir = dirname(dir)) {
		expect(existsSync(join(dir, 'node_modules')), `${dir}/node_modules would be found by the installed binary`).toBe(false);
	}
	expect(existsSync('/node_modules')).toBe(false);
	const install = await npm(
		['install', '--prefix', prefix, '--offline', '--ignore-scripts=false', '--no-audit', '--no-fund', join(packDir, tarballs[0]!)],
		{ cwd: scratch, scratch, timeout: 120_000 },
	);
	installOutput = { stdout: install.stdout, stderr: install.stderr };
	installed = join(prefix, 'node_modules', 'upgrade-wizard');
	bin = join(prefix, 'node_modules', '.bin', 'upgrade-wizard');
}, 420_000);

afterAll(async () => {
	await tmux('kill-session', '-t', session).catch(() => undefined);
	if (demoStarted && bin) await installedBinary(['demo', '--down'], { timeoutMs: 300_000 });
	await removeByLabel(caseLabel);
	await db?.drop();
});

describe('the npm package', () => {
	it('installs as one package, offline, with no install scripts and no native code, in at most 15 MB', async () => {
		expect(installOutput.stdout).toMatch(/added 1 package\b/);
		// npm warns about packages with install scripts (npm 11: "install scripts not yet covered").
		expect(installOutput.stderr).not.toMatch(/install.scripts|gyp/i);
		const lock = JSON.parse(readFileSync(join(prefix, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
		expect(Object.keys(lock.packages).filter(Boolean)).toEqual(['node_modules/upgrade-wizard']);

		const manifests = packageJsons(join(prefix, 'node_modules'));
		expect(manifests).toEqual([join(installed, 'package.json')]);
		const manifest = JSON.parse(readFileSync(manifests[0]!, 'utf8')) as { dependencies?: object; optionalDependencies?: object; scripts?: Record<string, string> };
		expect(manifest.dependencies ?? {}).toEqual({});
		expect(manifest.optionalDependencies ?? {}).toEqual({});
		expect(Object.keys(manifest.scripts ?? {}).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);
		const everything = readdirSync(installed, { recursive: true }).map(String);
		expect(everything.filter((file) => /(^|\/)binding\.gyp$|\.node$/.test(file))).toEqual([]);

		const { stdout } = await execa('du', ['-sk', join(prefix, 'node_modules')], { timeout: 30_000 });
		const kb = Number(stdout.split(/\s/)[0]);
		expect(kb).toBeGreaterThan(0);
		expect(kb, `installed size ${kb} KB`).toBeLessThanOrEqual(MAX_INSTALLED_KB);
	});

	it('holds the bundle and the demo\'s recipes, and no maps, tsc output or other test files', () => {
		const files = readdirSync(installed, { recursive: true, withFileTypes: true })
			.filter((entry) => entry.isFile())
			.map((entry) => join(entry.parentPath, entry.name).slice(installed.length + 1));
		expect(files).toContain('dist/bundle/cli.js');
		expect(files).toContain('test/world/up.sh');
		// up.sh and down.sh source it, even for the demo (which starts no second engine).
		expect(files).toContain('test/world/engine2.sh');
		expect(files).toContain('test/world/fixtures/app/versions.tsv');
		expect(files.filter((file) => file.startsWith('dist/') && !/^dist\/bundle\/[^/]+\.js$/.test(file))).toEqual([]);
		const worldFiles = files.filter((file) => file.startsWith('test/'));
		expect(worldFiles.filter((file) => !/^test\/world\/(up\.sh|down\.sh|lib\.sh|images\.sh|engine2\.sh|registry-labels\.mjs|registry\/|fixtures\/)/.test(file))).toEqual([]);
		expect(files.filter((file) => !/^(bin|dist|test)\//.test(file)).sort()).toEqual(['README.md', 'package.json']);
	});

	it('answers --help and --version', async () => {
		const help = await installedBinary(['--help']);
		expect(help.exitCode, help.stderr).toBe(0);
		expect(help.stdout).toContain('upgrade-wizard demo --down');
		expect(help.stdout).toMatch(/--dry-run/);
		const shown = await installedBinary(['--version']);
		expect(shown.exitCode, shown.stderr).toBe(0);
		expect(shown.stdout.trim()).toBe(version);
	});

	it('plans an upgrade of a container on the world\'s engine with --dry-run, touching nothing', async () => {
		db = await createTestDatabase(w);
		await startApp(w, { name: app, tag: '1.6.0', db, caseLabel });
		const before = await inspect(app);
		const plan = await installedBinary(['--dry-run', '--container', app, '--to', '1.7.0']);
		expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
		expect(plan.stdout).toContain(`upgrade-wizard run dry-run: ${app}`);
		expect(plan.stdout).toContain('Versions: 1.6.0 -> 1.7.0');
		expect(plan.stdout).toContain(`${app}: ${w.appRepo}:1.6.0 -> ${w.appRepo}:1.7.0: planned`);
		const after = await inspect(app);
		expect(after.Id).toBe(before.Id);
		expect(after.Config.Image).toBe(`${w.appRepo}:1.6.0`);
	});

	it('reaches for DOCKER_HOST=ssh:// through the system ssh (no ssh2 in the bundle): an sshd that does not answer is one line, exit 2', async () => {
		const refused = await installedBinary(['--dry-run', '--container', app], { env: { DOCKER_HOST: 'ssh://deploy@127.0.0.1:1' } });
		expect(refused.exitCode).toBe(2);
		expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/cannot reach the Docker engine at ssh:\/\/deploy@127\.0\.0\.1:1 \(ssh 127\.0\.0\.1: ssh: connect to host 127\.0\.0\.1 port 1: Connection refused\), named by DOCKER_HOST/)]);
	});

	it('opens the interactive wizard in a real terminal, on the container screen', async () => {
		const state = tempDir('uw-pack-tmux-');
		await tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-e', `XDG_STATE_HOME=${state}`, '-e', `DOCKER_HOST=${w.dockerHost}`, '-e', 'NO_COLOR=1', '--', bin, '--container', app);
		const { waitForScreen, keys } = terminal(session);
		const screen = await waitForScreen(`[x] ${app}`, 30_000);
		expect(screen).toContain('[2 Containers]');
		await keys('q');
		const deadline = Date.now() + 10_000;
		let alive = true;
		while (alive && Date.now() < deadline) {
			alive = (await tmux('has-session', '-t', session).then(() => true, () => false));
			if (alive) await new Promise((resolve) => setTimeout(resolve, 200));
		}
		expect(alive, 'the wizard did not quit on q').toBe(false);
	});

	it('runs the demo from the package\'s own recipes, and removes it again', async () => {
		demoStarted = true;
		const up = await installedBinary(['demo'], { timeoutMs: 600_000 });
		expect(up.exitCode, up.stderr).toBe(0);
		expect(up.stderr).toContain('upgrade-wizard --yes --container uw-demo-app');
		const demoApp = await inspect('uw-demo-app');
		expect(demoApp.State.Health.Status).toBe('healthy');
		expect(demoApp.Config.Labels['io.upgrade-wizard.demo']).toBe('1');

		const down = await installedBinary(['demo', '--down'], { timeoutMs: 300_000 });
		expect(down.exitCode, down.stderr).toBe(0);
		demoStarted = false;
		const left = await docker(['ps', '-aq', '--filter', 'label=io.upgrade-wizard.demo=1']);
		expect(left.stdout.trim()).toBe('');
	});
});
