import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../support/world.js';
import { docker, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { runWizard } from '../support/wizard.js';
import { WizardSession } from '../../source/sessions/wizard-session.js';
import { tempDir } from '../support/temp-dir.js';

// Tag shapes the fixture repository does not have (issue 15, item 14):
// a `v`-tagged repository, a floating `latest`, an image that declares no
// version and no schema. They live in repositories of this file's own on the
// world's registry, and their tags are deleted again at the end.

const w = world();
const id = uniqueName('tags');
const caseLabel = `io.upgrade-wizard.case=${id}`;
/** acme/app images re-tagged `v1.6.0`, `v1.7.0`, and `latest` (= 1.6.0). */
const vRepo = `${w.registry}/acme/versions-test`;
/** Images without a version label or a schema: 1.0.0, 1.1.0, and `latest` (= 1.0.0). */
const plainRepo = `${w.registry}/acme/versions-test-plain`;
const pushed: Array<{ repo: string; tag: string }> = [];
const built: string[] = [];
const stateHome = tempDir('uw-tags-state-');

async function push(source: string, repo: string, tag: string): Promise<void> {
	await docker(['tag', source, `${repo}:${tag}`]);
	await docker(['push', '-q', `${repo}:${tag}`]);
	pushed.push({ repo, tag });
}

/** An image with no version label and nothing that declares a schema; `marker` makes each one its own digest. */
async function buildPlain(marker: string): Promise<string> {
	const context = tempDir('uw-tags-');
	try {
		writeFileSync(join(context, 'Dockerfile'), `FROM ${w.pgImage}\nLABEL org.opencontainers.image.version="" io.upgrade-wizard.versions-test="${marker}"\n`);
		const ref = `upgrade-wizard-world/versions-test-plain:${id}-${marker}`;
		await docker(['build', '-q', '-t', ref, context]);
		built.push(ref);
		return ref;
	} finally {
		rmSync(context, { recursive: true, force: true });
	}
}

/** Registry API v2: a tag goes by deleting the manifest it names (which takes every tag of that digest in this repository only). */
async function deleteTag(repo: string, tag: string): Promise<void> {
	const slash = repo.indexOf('/');
	const [host, name] = [repo.slice(0, slash), repo.slice(slash + 1)];
	const head = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
		method: 'HEAD',
		headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
	});
	const digest = head.headers.get('docker-content-digest');
	if (head.ok && digest) await fetch(`http://${host}/v2/${name}/manifests/${digest}`, { method: 'DELETE' });
}

/** A container that only has to run (nothing here needs the app's database). */
async function runIdle(name: string, image: string, create = false): Promise<void> {
	await docker([create ? 'create' : 'run', ...(create ? [] : ['-d']), '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '--entrypoint', '/bin/sleep', image, '600']);
}

beforeAll(async () => {
	await push(`${w.appRepo}:1.6.0`, vRepo, 'v1.6.0');
	await push(`${w.appRepo}:1.7.0`, vRepo, 'v1.7.0');
	await push(`${w.appRepo}:1.6.0`, vRepo, 'latest');
	const [first, second] = [await buildPlain('1.0.0'), await buildPlain('1.1.0')];
	await push(first, plainRepo, '1.0.0');
	await push(second, plainRepo, '1.1.0');
	await push(first, plainRepo, 'latest');
}, 180_000);

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const { repo, tag } of pushed) {
		await deleteTag(repo, tag).catch(() => undefined);
		await docker(['rmi', `${repo}:${tag}`], { reject: false });
	}
	if (built.length > 0) await docker(['rmi', ...built], { reject: false });
	rmSync(stateHome, { recursive: true, force: true });
});

describe('tags of other shapes', () => {
	it('--to without the v of a v-tagged repository: exit 2, "did you mean v1.7.0?"', async () => {
		const name = `${id}-v`;
		await runIdle(name, `${vRepo}:v1.6.0`);
		const run = await runWizard(['--dry-run', '--skip-backup', '--container', name, '--to', '1.7.0']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim().split('\n')).toEqual([`upgrade-wizard: ${name}: tag not found: ${vRepo}:1.7.0 is not in its registry; did you mean v1.7.0?`]);
	});

	it('a floating latest: the plan says the version came from the image label and that the container moves to a pinned tag', async () => {
		const name = `${id}-latest`;
		await runIdle(name, `${vRepo}:latest`);
		const run = await runWizard(['--dry-run', '--skip-backup', '--container', name]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain('Versions: 1.6.0 -> v1.7.0 (minor)');
		expect(run.stdout).toContain('Running version: 1.6.0, read from the image label org.opencontainers.image.version (the tag latest names no version)');
		expect(run.stdout).toContain('Pinned tag: the containers move from latest to v1.7.0, a tag that names its version');
		expect(run.stdout).toContain(`${name}: ${vRepo}:latest -> ${vRepo}:v1.7.0`);
	});

	it('a floating latest on an image without a version label: found by its digest, and said so', async () => {
		const name = `${id}-digest`;
		await runIdle(name, `${plainRepo}:latest`);
		const run = await runWizard(['--dry-run', '--skip-backup', '--container', name]);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain('Versions: 1.0.0 -> 1.1.0 (minor)');
		expect(run.stdout).toContain("Running version: 1.0.0, found by the image's digest among the registry's version tags (the tag latest names no version)");
		expect(run.stdout).toContain('Pinned tag: the containers move from latest to 1.1.0');
	});

	it('the Version screen gives the schema reason for a downgrade only when the image declares a schema', async () => {
		const withSchema = `${id}-schema`;
		const without = `${id}-noschema`;
		await runIdle(withSchema, `${w.appRepo}:1.7.0`, true);
		await runIdle(without, `${plainRepo}:1.1.0`, true);
		const session = new WizardSession({
			selection: { containers: [], labels: [] },
			env: { ...process.env, XDG_STATE_HOME: stateHome },
			request: { healthTimeoutS: 120, stableS: 10, keepOld: false, filters: { pre: false, allowMajor: false }, skipBackup: false, offlineBackup: false, noMigrations: false, stopAllFirst: false, argv: [] },
		});
		const schemaRow = (await session.targets([{ name: withSchema }])).rows.find((row) => row.tag === '1.6.0');
		expect(schemaRow?.disabledReason).toBe('downgrade: a release that migrated the schema cannot go back; restore a backup instead');
		const plainRow = (await session.targets([{ name: without }])).rows.find((row) => row.tag === '1.0.0');
		expect(plainRow?.kind).toBe('downgrade');
		expect(plainRow?.disabledReason).toBe('downgrade: older than the running 1.1.0; the wizard only upgrades');
	});
});
