// How the wizard calls Compose (source/targets/compose/cli.ts, run-compose.ts):
// the exact argv for each op on v1 and v2, the environment it gets, and how
// its output is read. The `config`, `config --hash` and stderr texts below
// were captured from Debian's docker-compose 1.29.2 (the test world's) and are
// kept byte for byte (\r\n included); the v2 samples are written by hand in
// the shape Compose v2 prints. findCompose and runCompose run real processes:
// small sh scripts standing in for docker and docker-compose.
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
	composeArgv,
	composeEnv,
	findCompose,
	parseConfigHashes,
	serviceImages,
	shellWords,
	type ComposeCli,
	type ComposeCommand,
	type ComposeProject,
} from '../../source/targets/compose/cli.js';
import { imagesOfConfig } from '../../source/targets/compose/config-yaml.js';
import { causeLine, ComposeCommandError, outputLines, runCompose } from '../../source/targets/compose/run-compose.js';

const V1: ComposeCli = { flavor: 'v1', file: 'docker-compose', prefix: [], version: '1.29.2' };
const V2: ComposeCli = { flavor: 'v2', file: 'docker', prefix: ['compose'], version: '2.24.5' };
const PROJECT: ComposeProject = { name: 'shop', workingDir: '/srv/shop', files: ['/srv/shop/compose.yml', '/srv/shop/compose.prod.yml'], envFile: '/srv/shop/prod.env' };
const GLOBAL = ['-p', 'shop', '--project-directory', '/srv/shop', '-f', '/srv/shop/compose.yml', '-f', '/srv/shop/compose.prod.yml', '--env-file', '/srv/shop/prod.env'];

describe('composeArgv', () => {
	const cases: Array<[ComposeCommand, v1: string[], v2: string[]]> = [
		[{ op: 'config' }, ['config'], ['config']],
		[{ op: 'config-hash', services: ['app', 'worker'] }, ['config', '--hash=app,worker'], ['config', '--hash', 'app,worker']],
		[{ op: 'config-hash', services: ['*'] }, ['config', '--hash=*'], ['config', '--hash', '*']],
		[{ op: 'pull', services: ['app'] }, ['pull', 'app'], ['pull', 'app']],
		[
			{ op: 'up', services: ['app', 'worker'], noDeps: true },
			['up', '-d', '--no-deps', '--no-build', 'app', 'worker'],
			['up', '-d', '--no-deps', '--no-build', '--pull', 'never', 'app', 'worker'],
		],
		[{ op: 'stop', services: ['app'], timeoutS: 10 }, ['stop', '-t', '10', 'app'], ['stop', '-t', '10', 'app']],
		[{ op: 'start', services: ['app'] }, ['start', 'app'], ['start', 'app']],
		[{ op: 'ps', services: ['app', 'db'] }, ['ps', '-q', 'app', 'db'], ['ps', '-q', 'app', 'db']],
		[
			{ op: 'run', service: 'app', name: 'shop_app_1-migrate', labels: { 'io.upgrade-wizard.one-off': 'shop_app_1' }, command: ['anchore-manager', 'db', 'upgrade', '--dontask'], noDeps: true },
			['run', '--rm', '--no-deps', '-T', '--name', 'shop_app_1-migrate', '-l', 'io.upgrade-wizard.one-off=shop_app_1', 'app', 'anchore-manager', 'db', 'upgrade', '--dontask'],
			['run', '--rm', '--no-deps', '-T', '--name', 'shop_app_1-migrate', '-l', 'io.upgrade-wizard.one-off=shop_app_1', 'app', 'anchore-manager', 'db', 'upgrade', '--dontask'],
		],
		[
			// --compose-down: the dependencies are started, as `up` would; the entrypoint is one shell-split string.
			{ op: 'run', service: 'app', name: 'app-migrate', labels: {}, entrypoint: ['/srv/my tool', '--yes'], command: ['upgradedb'], noDeps: false },
			['run', '--rm', '-T', '--name', 'app-migrate', '--entrypoint', "'/srv/my tool' --yes", 'app', 'upgradedb'],
			['run', '--rm', '-T', '--name', 'app-migrate', '--entrypoint', "'/srv/my tool' --yes", 'app', 'upgradedb'],
		],
	];

	it.each(cases)('%o on v1 and v2', (command, v1, v2) => {
		expect(composeArgv(V1, PROJECT, command)).toEqual({ file: 'docker-compose', args: [...GLOBAL, ...v1] });
		expect(composeArgv(V2, PROJECT, command)).toEqual({ file: 'docker', args: ['compose', ...GLOBAL, ...v2] });
	});

	it('passes no --env-file when the project has none, and every -f in order', () => {
		const project: ComposeProject = { name: 'shop', workingDir: '/srv/shop', files: ['/srv/shop/b.yml', '/srv/shop/a.yml'] };
		expect(composeArgv(V1, project, { op: 'ps', services: [] })).toEqual({
			file: 'docker-compose',
			args: ['-p', 'shop', '--project-directory', '/srv/shop', '-f', '/srv/shop/b.yml', '-f', '/srv/shop/a.yml', 'ps', '-q'],
		});
	});

	it('keeps a standalone v2 binary (docker-compose 2.x) without the plugin prefix', () => {
		const standalone: ComposeCli = { flavor: 'v2', file: 'docker-compose', prefix: [], version: '2.24.5' };
		expect(composeArgv(standalone, PROJECT, { op: 'up', services: ['app'], noDeps: true }).args).toEqual([
			...GLOBAL, 'up', '-d', '--no-deps', '--no-build', '--pull', 'never', 'app',
		]);
	});
});

describe('shellWords', () => {
	it('quotes only the words that need it, as shlex and shellwords split them back', () => {
		expect(shellWords(['/usr/local/proget/service/proget'])).toBe('/usr/local/proget/service/proget');
		expect(shellWords(['/bin/sh', '-c', "echo 'hi' $HOME"])).toBe(`/bin/sh -c 'echo '\\''hi'\\'' $HOME'`);
		expect(shellWords([''])).toBe("''");
	});
});

describe('composeEnv', () => {
	it('drops the env file variables and the project-selecting COMPOSE_* ones, keeps the rest, leaves the input alone', () => {
		const env: NodeJS.ProcessEnv = {
			PATH: '/usr/bin:/bin',
			HOME: '/root',
			DOCKER_HOST: 'unix:///var/run/docker.sock',
			DOCKER_CONFIG: '/tmp/docker-config',
			COMPOSE_API_VERSION: '1.44',
			COMPOSE_HTTP_TIMEOUT: '120',
			APP_TAG: '1.6.0',
			DB_PASSWORD: 'from-the-shell',
			COMPOSE_FILE: 'other.yml',
			COMPOSE_PROJECT_NAME: 'other',
			COMPOSE_PATH_SEPARATOR: ';',
			COMPOSE_ENV_FILES: 'other.env',
			COMPOSE_PROFILES: 'debug',
		};
		const copy = { ...env };
		expect(composeEnv(env, ['APP_TAG', 'DB_PASSWORD', 'NOT_SET'])).toEqual({
			PATH: '/usr/bin:/bin',
			HOME: '/root',
			DOCKER_HOST: 'unix:///var/run/docker.sock',
			DOCKER_CONFIG: '/tmp/docker-config',
			COMPOSE_API_VERSION: '1.44',
			COMPOSE_HTTP_TIMEOUT: '120',
		});
		expect(env).toEqual(copy);
	});
});

// docker-compose -p uwtcap config --hash='*' (dependency order, not file order).
const V1_HASHES = `db 5f429a8100c13d75cd5d5c9d806a36fc48136ef9e09b133c46b7594732953e07
app 6b3c127b4a1037399b19ae979cf85be945fee24221edb7f671b222dce668c3f6
worker 4f05c35ce023799d6a2beb4849cbf5d977053fb62b180fedd89e2ba554813945
tools 0ac196456e9c76b28dc0b26fc197f351ec1469f7f29a5423ea9741162c1732fb
`;

describe('parseConfigHashes', () => {
	it('reads v1 output into service -> hash', () => {
		expect(parseConfigHashes(V1_HASHES)).toEqual(
			new Map([
				['db', '5f429a8100c13d75cd5d5c9d806a36fc48136ef9e09b133c46b7594732953e07'],
				['app', '6b3c127b4a1037399b19ae979cf85be945fee24221edb7f671b222dce668c3f6'],
				['worker', '4f05c35ce023799d6a2beb4849cbf5d977053fb62b180fedd89e2ba554813945'],
				['tools', '0ac196456e9c76b28dc0b26fc197f351ec1469f7f29a5423ea9741162c1732fb'],
			]),
		);
	});

	it('ignores blank lines, CRLF and anything that is not "service hash"', () => {
		const text = `\r\nWARNING: something\r\napp 6b3c127b4a1037399b19ae979cf85be945fee24221edb7f671b222dce668c3f6\r\n\r\n`;
		expect(parseConfigHashes(text)).toEqual(new Map([['app', '6b3c127b4a1037399b19ae979cf85be945fee24221edb7f671b222dce668c3f6']]));
		expect(parseConfigHashes('')).toEqual(new Map());
	});
});

// docker-compose -p uwtcap config, for a file with an `x-app: &app` extension
// merged (`<<: *app`) into app and worker, `${APP_IMAGE}:${APP_TAG:-1.6.0}` set
// in .env, and a build-only service: extensions dropped, merges and variables
// resolved, keys sorted, `version: '3.9'` added.
const V1_CONFIG = `services:
  app:
    depends_on:
      db:
        condition: service_healthy
    environment:
      DATABASE_URL: postgresql://shop:shop-pw@db:5432/shop
    healthcheck:
      interval: 2s
      test:
      - CMD
      - "true"
    image: 127.0.0.1:5000/acme/app:1.7.0
    labels:
      io.upgrade-wizard.test: '1'
  db:
    environment:
      POSTGRES_PASSWORD: shop-pw
      POSTGRES_USER: shop
    image: 127.0.0.1:5000/acme/postgres:15
    labels:
      io.upgrade-wizard.test: '1'
    volumes:
    - dbdata:/var/lib/postgresql/data:rw
  tools:
    build:
      context: /tmp/uwtcap/tools
  worker:
    command:
    - migrate
    image: 127.0.0.1:5000/acme/app:1.7.0
    labels:
      io.upgrade-wizard.test: '1'
version: '3.9'
volumes:
  dbdata: {}

`;

// Hand-written in the shape of `docker compose config` (YAML, with `name:`) and `--format json`.
const V2_YAML = `name: shop
services:
  app:
    depends_on:
      db:
        condition: service_healthy
        required: true
    image: 127.0.0.1:5000/acme/app:1.7.0
    networks:
      default: null
  db:
    image: "127.0.0.1:5000/acme/postgres@sha256:${'ab'.repeat(32)}"
  tools:
    build:
      context: /srv/shop/tools
      dockerfile: Dockerfile
networks:
  default:
    name: shop_default
`;
const V2_JSON = JSON.stringify(
	{ name: 'shop', services: { app: { image: '127.0.0.1:5000/acme/app:1.7.0', networks: { default: null } }, db: { image: '127.0.0.1:5000/acme/postgres:15' }, tools: { build: { context: '/srv/shop/tools' } } } },
	null,
	2,
);

describe('serviceImages', () => {
	it('reads the images of v1 YAML output; a build-only service has none', async () => {
		expect(await serviceImages(V1_CONFIG)).toEqual(
			new Map([
				['app', '127.0.0.1:5000/acme/app:1.7.0'],
				['db', '127.0.0.1:5000/acme/postgres:15'],
				['worker', '127.0.0.1:5000/acme/app:1.7.0'],
			]),
		);
	});

	it('reads v2 YAML and v2 JSON alike', async () => {
		expect(await serviceImages(V2_YAML)).toEqual(
			new Map([
				['app', '127.0.0.1:5000/acme/app:1.7.0'],
				['db', `127.0.0.1:5000/acme/postgres@sha256:${'ab'.repeat(32)}`],
			]),
		);
		expect(imagesOfConfig(V2_JSON)).toEqual(new Map([['app', '127.0.0.1:5000/acme/app:1.7.0'], ['db', '127.0.0.1:5000/acme/postgres:15']]));
	});

	it('has nothing for an empty or service-less config', () => {
		expect(imagesOfConfig('')).toEqual(new Map());
		expect(imagesOfConfig('services: {}\n')).toEqual(new Map());
		expect(imagesOfConfig('services:\n  app:\n')).toEqual(new Map());
	});
});

// docker-compose 1.29 stderr, as captured.
const PULL_MISSING =
	'Pulling app ... \r\nPulling app ... error\r\n\nERROR: for app  manifest for 127.0.0.1:5000/acme/app:9.9.9 not found: manifest unknown: manifest unknown\nmanifest for 127.0.0.1:5000/acme/app:9.9.9 not found: manifest unknown: manifest unknown\n';
const START_FAILED =
	'Recreating uwtexp_app_1 ... \r\nRecreating uwtexp_app_1 ... error\r\n\nERROR: for uwtexp_app_1  Cannot start service app: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: not a directory: unknown\n\nERROR: for app  Cannot start service app: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: not a directory: unknown\nEncountered errors while bringing up the project.\n';
const EMPTY_IMAGE_TRACEBACK = `The UW_PG_IMAGE variable is not set. Defaulting to a blank string.
Creating network "uwtexp_default" with the default driver
Traceback (most recent call last):
  File "/usr/bin/docker-compose", line 33, in <module>
    sys.exit(load_entry_point('docker-compose==1.29.2', 'console_scripts', 'docker-compose')())
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3/dist-packages/docker/utils/decorators.py", line 16, in wrapped
    raise errors.NullResource(
docker.errors.NullResource: Resource ID was not provided
`;

describe('reading Compose output', () => {
	it('splits lines on \\n, \\r\\n and a lone \\r, trimmed, without blanks', () => {
		expect(outputLines('Pulling app ... \r\nPulling app ... done\r\n\n a\rb \n')).toEqual(['Pulling app ...', 'Pulling app ... done', 'a', 'b']);
	});

	it.each([
		['a missing tag on pull', PULL_MISSING, 'manifest for 127.0.0.1:5000/acme/app:9.9.9 not found: manifest unknown: manifest unknown'],
		[
			'a container that cannot start (past the generic trailer)',
			START_FAILED,
			'for app Cannot start service app: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: not a directory: unknown',
		],
		['a Python traceback (its last line)', EMPTY_IMAGE_TRACEBACK, 'docker.errors.NullResource: Resource ID was not provided'],
		['an unknown service', 'No such service: nope\n', 'No such service: nope'],
		['an engine too old for the pinned API', 'client version 1.44 is too new. Maximum supported API version is 1.41\n', 'client version 1.44 is too new. Maximum supported API version is 1.41'],
		['progress only', 'Stopping shop_app_1 ... \r\n', 'Stopping shop_app_1 ...'],
	])('names the cause of %s', (_what, stderr, cause) => {
		expect(causeLine(outputLines(stderr))).toBe(cause);
	});

	it('has no cause for empty stderr, and cuts a very long line', () => {
		expect(causeLine([])).toBeUndefined();
		const long = causeLine([`ERROR: ${'x'.repeat(1000)}`])!;
		expect(long).toHaveLength(400);
		expect(long.endsWith('…')).toBe(true);
	});
});

// Stand-ins for docker and docker-compose: sh scripts in a temp dir on PATH.
const bin = mkdtempSync(join(tmpdir(), 'uw-compose-cli-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function stub(dir: string, name: string, script: string): void {
	writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
	chmodSync(join(dir, name), 0o755);
}

function stubDir(stubs: Record<string, string>): string {
	const dir = mkdtempSync(join(bin, 'path-'));
	for (const [name, script] of Object.entries(stubs)) stub(dir, name, script);
	return dir;
}

// The stubs need sleep and cat; nothing else of the system may be found
// (the real docker-compose is in /usr/bin on the test world's machine).
const sys = mkdtempSync(join(bin, 'sys-'));
for (const tool of ['sleep', 'cat']) symlinkSync(`/bin/${tool}`, join(sys, tool));

/** PATH with only the stubs, sleep and cat. */
const envWith = (dir: string): NodeJS.ProcessEnv => ({ PATH: `${dir}:${sys}` });

const NO_PLUGIN = 'echo "unknown flag: --short" >&2; exit 125';

describe('findCompose', () => {
	it('prefers the v2 plugin, whatever docker-compose says', async () => {
		const dir = stubDir({ docker: '[ "$1 $2 $3" = "compose version --short" ] && echo v2.24.5 && exit 0; exit 1', 'docker-compose': 'echo 1.29.2' });
		expect(await findCompose(envWith(dir))).toEqual({ flavor: 'v2', file: 'docker', prefix: ['compose'], version: '2.24.5' });
	});

	it('falls back to docker-compose v1 when docker has no compose plugin (exit 125)', async () => {
		const dir = stubDir({ docker: NO_PLUGIN, 'docker-compose': '[ "$1 $2" = "version --short" ] && echo 1.29.2' });
		expect(await findCompose(envWith(dir))).toEqual({ flavor: 'v1', file: 'docker-compose', prefix: [], version: '1.29.2' });
	});

	it('calls a 2.x docker-compose binary v2', async () => {
		const dir = stubDir({ 'docker-compose': 'echo 2.20.3' });
		expect(await findCompose(envWith(dir))).toEqual({ flavor: 'v2', file: 'docker-compose', prefix: [], version: '2.20.3' });
	});

	it('is undefined when neither answers with a version', async () => {
		expect(await findCompose(envWith(stubDir({ docker: NO_PLUGIN })))).toBeUndefined();
		expect(await findCompose(envWith(stubDir({ docker: NO_PLUGIN, 'docker-compose': 'echo "Usage: docker-compose"' })))).toBeUndefined();
	});

	it('gives up on a hanging docker after its bound and still finds docker-compose', async () => {
		const dir = stubDir({ docker: 'exec sleep 60', 'docker-compose': 'echo 1.29.2' });
		const started = Date.now();
		expect(await findCompose(envWith(dir))).toMatchObject({ flavor: 'v1' });
		expect(Date.now() - started).toBeLessThan(9_000);
	}, 15_000);
});

describe('runCompose', () => {
	const project: ComposeProject = { name: 'shop', workingDir: bin, files: [join(bin, 'compose.yml')] };

	it('runs the argv in the project dir with exactly the env given, and returns stdout and stderr', async () => {
		const dir = stubDir({ 'docker-compose': 'echo "cwd=$(pwd) args=$*"; echo "TAG=${APP_TAG:-unset} HOST=$DOCKER_HOST"; echo progress >&2' });
		const env = composeEnv({ ...envWith(dir), DOCKER_HOST: 'unix:///x.sock', APP_TAG: 'shell' }, ['APP_TAG']);
		const result = await runCompose(V1, project, { op: 'ps', services: ['app'] }, { env, timeoutMs: 10_000 });
		expect(result.stdout).toBe(`cwd=${bin} args=-p shop --project-directory ${bin} -f ${join(bin, 'compose.yml')} ps -q app\nTAG=unset HOST=unix:///x.sock`);
		expect(result.stderr).toBe('progress');
	});

	it('hands every stdout and stderr line to onLine as it comes, \\r\\n and \\r included', async () => {
		const dir = stubDir({ 'docker-compose': `printf 'Recreating shop_app_1 ... \\r\\n'; printf 'Recreating shop_app_1 ... done\\r\\n' >&2; printf 'a\\rb\\n' >&2; echo out` });
		const lines: string[] = [];
		const result = await runCompose(V1, project, { op: 'up', services: ['app'], noDeps: true }, { env: envWith(dir), timeoutMs: 10_000, onLine: (line) => lines.push(line) });
		expect(lines.sort()).toEqual(['Recreating shop_app_1 ...', 'Recreating shop_app_1 ... done', 'a', 'b', 'out'].sort());
		expect(result.stdout).toBe('Recreating shop_app_1 ... \r\nout');
	});

	it('fails with one line: the command, the exit code and the cause; the tail kept', async () => {
		writeFileSync(join(bin, 'start-failed.txt'), START_FAILED);
		const dir = stubDir({ 'docker-compose': `cat '${join(bin, 'start-failed.txt')}' >&2; exit 1` });
		const error = await runCompose(V1, project, { op: 'up', services: ['app'], noDeps: true }, { env: envWith(dir), timeoutMs: 10_000 }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(ComposeCommandError);
		const failed = error as ComposeCommandError;
		expect(failed.message).toBe(
			'docker-compose up failed (exit 1): for app Cannot start service app: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: not a directory: unknown',
		);
		expect(failed.message).not.toContain('\n');
		expect(failed).toMatchObject({ failure: 'exit', exitCode: 1 });
		expect(failed.stderrTail.at(-1)).toBe('Encountered errors while bringing up the project.');
		expect(failed.stderrTail[0]).toBe('Recreating uwtexp_app_1 ...');
	});

	it('keeps only the last 15 stderr lines, and names v2 and config --hash as typed', async () => {
		const dir = stubDir({ docker: 'i=0; while [ $i -lt 40 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 3' });
		const failed = (await runCompose(V2, project, { op: 'config-hash', services: ['*'] }, { env: envWith(dir), timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as ComposeCommandError;
		expect(failed.message).toBe('docker compose config --hash failed (exit 3): line 39');
		expect(failed.stderrTail).toEqual(Array.from({ length: 15 }, (_, i) => `line ${25 + i}`));
	});

	it('is bounded by timeoutMs', async () => {
		const dir = stubDir({ 'docker-compose': 'echo "Pulling app ..." >&2; exec sleep 60' });
		const started = Date.now();
		const failed = (await runCompose(V1, project, { op: 'pull', services: ['app'] }, { env: envWith(dir), timeoutMs: 500 }).catch((caught: unknown) => caught)) as ComposeCommandError;
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(failed).toBeInstanceOf(ComposeCommandError);
		expect(failed.failure).toBe('timeout');
		expect(failed.message).toBe('docker-compose pull failed (timed out after 1 s): Pulling app ...');
	});

	it('stops when aborted', async () => {
		const dir = stubDir({ 'docker-compose': 'exec sleep 60' });
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 200);
		const failed = (await runCompose(V1, project, { op: 'stop', services: ['app'], timeoutS: 10 }, { env: envWith(dir), timeoutMs: 30_000, signal: controller.signal }).catch((caught: unknown) => caught)) as ComposeCommandError;
		expect(failed).toMatchObject({ failure: 'aborted', message: 'docker-compose stop failed (aborted)' });
	});

	it('says so when the program is not there', async () => {
		const failed = (await runCompose(V1, project, { op: 'ps', services: [] }, { env: envWith(stubDir({})), timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as ComposeCommandError;
		expect(failed).toMatchObject({ failure: 'spawn', message: 'docker-compose ps failed (could not start docker-compose: ENOENT)' });
	});
});
