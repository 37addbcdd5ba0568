import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { composeEnv, findCompose, parseConfigHashes, serviceImages, type ComposeCli, type ComposeProject } from '../../source/targets/compose/cli.js';
import { ComposeCommandError, runCompose } from '../../source/targets/compose/run-compose.js';
import { composeProject, type ComposeTestProject } from '../support/compose.js';
import { inspect, waitHealthy } from '../support/docker.js';
import { world } from '../support/world.js';

// The world's Compose against the world's engine, through the wizard's own
// cli.ts: a project of the fixture Postgres and the fixture app (found by its
// service name) comes up healthy; Compose's config hash agrees with the label
// it put on the containers; `up -d --no-deps` on an unchanged service
// recreates nothing; a failure reads as one line with Compose's own cause.

const w = world();
const PASSWORD = 'world-compose-pw';

const composeFile = `services:
  db:
    image: ${w.pgImage}
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${PASSWORD}
      POSTGRES_DB: app
    volumes:
      - dbdata:/var/lib/postgresql/data
    labels:
      io.upgrade-wizard.test: "1"
  app:
    image: \${APP_IMAGE}:1.6.0
    depends_on: [db]
    environment:
      DATABASE_URL: postgresql://app:${PASSWORD}@db:5432/app
    labels:
      io.upgrade-wizard.test: "1"
volumes:
  dbdata: {}
`;

let shop: ComposeTestProject;
let cli: ComposeCli;
const env = () => composeEnv(process.env, ['APP_IMAGE']);
const run = (project: ComposeProject, command: Parameters<typeof runCompose>[2], onLine?: (line: string) => void) =>
	runCompose(cli, project, command, { env: env(), timeoutMs: 120_000, onLine });

beforeAll(async () => {
	const found = await findCompose(process.env);
	if (!found) throw new Error('no Compose found: test/world/up.sh installs docker-compose');
	cli = found;
	shop = await composeProject({ files: { 'docker-compose.yml': composeFile }, env: `APP_IMAGE=${w.appRepo}\n` });
	await shop.up();
});

afterAll(async () => {
	await shop?.down();
});

describe('Compose in the test world', () => {
	it('finds the world docker-compose (v1, no v2 plugin here)', () => {
		expect(cli).toEqual({ flavor: 'v1', file: 'docker-compose', prefix: [], version: process.env.UW_COMPOSE_VERSION });
	});

	it('brings up Postgres and the app; both become healthy, the app reaching db by its service name', async () => {
		const [db] = await shop.containerIds('db');
		const [app] = await shop.containerIds('app');
		await waitHealthy(db!, 90_000);
		await waitHealthy(app!, 90_000);
		expect((await inspect(app!)).Name).toBe(`/${shop.name}_app_1`);
		const ps = await run(shop.project, { op: 'ps', services: ['app', 'db'] });
		expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual([app, db].sort());
	});

	it('config and config-hash agree with what Compose recorded on the containers', async () => {
		const [config, hashes] = await Promise.all([run(shop.project, { op: 'config' }), run(shop.project, { op: 'config-hash', services: ['*'] })]);
		expect(await serviceImages(config.stdout)).toEqual(new Map([['db', w.pgImage], ['app', `${w.appRepo}:1.6.0`]]));
		const parsed = parseConfigHashes(hashes.stdout);
		expect([...parsed.keys()].sort()).toEqual(['app', 'db']);
		for (const service of ['app', 'db']) {
			const [id] = await shop.containerIds(service);
			expect((await inspect(id!)).Config.Labels['com.docker.compose.config-hash'], service).toBe(parsed.get(service));
		}
	});

	it('up -d --no-deps on an unchanged service recreates nothing', async () => {
		const [before] = await shop.containerIds('app');
		const lines: string[] = [];
		await run(shop.project, { op: 'up', services: ['app'], noDeps: true }, (line) => lines.push(line));
		expect(await shop.containerIds('app')).toEqual([before]);
		expect(lines).toContain(`${shop.name}_app_1 is up-to-date`);
		// And as the operator types it, without --no-build.
		await shop.compose(['up', '-d', '--no-deps', 'app']);
		expect(await shop.containerIds('app')).toEqual([before]);
	});

	it('a failed pull is one line ending in the registry cause, with the stderr tail kept', async () => {
		const override = shop.path('missing-tag.yml');
		writeFileSync(override, `services:\n  app:\n    image: ${w.appRepo}:9.9.9-missing\n`);
		const project = { ...shop.project, files: [...shop.project.files, override] };
		const error = await run(project, { op: 'pull', services: ['app'] }).then(
			() => undefined,
			(caught: unknown) => caught,
		);
		expect(error).toBeInstanceOf(ComposeCommandError);
		const failed = error as ComposeCommandError;
		expect(failed.message).toBe(
			`docker-compose pull failed (exit 1): manifest for ${w.appRepo}:9.9.9-missing not found: manifest unknown: manifest unknown`,
		);
		expect(failed.failure).toBe('exit');
		expect(failed.stderrTail).toContain('Pulling app ... error');
	});
});
