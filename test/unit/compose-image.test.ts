// Where a Compose service's image tag comes from (locateImage) and the
// minimal edit that changes it (rewriteImage). Fixtures are inline: each case
// gives the files as an operator would have them and the exact texts after
// the edit, so every byte that is not the tag is checked to stay put.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../source/core/errors.js';
import { ComposeImageError, type ComposeImageErrorCode } from '../../source/targets/compose/errors.js';
import { locateImage } from '../../source/targets/compose/locate.js';
import { rewriteImage } from '../../source/targets/compose/rewrite.js';
import type { LocateInput, LocatedImage, SharedUse } from '../../source/targets/compose/types.js';

const COMPOSE = '/srv/shop/compose.yml';
const OVERRIDE = '/srv/shop/compose.override.yml';
const ENV = '/srv/shop/.env';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

/** One line each, LF-terminated. */
const y = (...lines: string[]) => lines.map((line) => `${line}\n`).join('');
const crlf = (text: string) => text.replace(/\n/g, '\r\n');

interface Fixture {
	/** One compose file (COMPOSE), or several in -f order. */
	files: string | Array<[path: string, text: string]>;
	/** The env file's text; absent: there is no env file. */
	env?: string;
	service?: string;
}

function inputOf(fixture: Fixture): LocateInput {
	const files = typeof fixture.files === 'string' ? [{ path: COMPOSE, text: fixture.files }] : fixture.files.map(([path, text]) => ({ path, text }));
	return { files, service: fixture.service ?? 'web', envFile: { path: ENV, ...(fixture.env !== undefined && { text: fixture.env }) } };
}

/** Texts by path after applying the edits to the fixture. */
function applied(input: LocateInput, edits: ReturnType<typeof rewriteImage>): LocateInput {
	const textOf = (path: string, text: string | undefined) => edits.find((edit) => edit.path === path)?.after ?? text;
	return {
		...input,
		files: input.files.map((file) => ({ path: file.path, text: textOf(file.path, file.text)! })),
		envFile: { path: ENV, text: textOf(ENV, input.envFile.text) },
	};
}

/** What changed between two texts: the differing middle once the common prefix and suffix are cut. */
function diff(before: string, after: string): { at: number; removed: string; added: string } {
	let start = 0;
	while (start < before.length && before[start] === after[start]) start++;
	let end = 0;
	while (end < before.length - start && end < after.length - start && before.at(-1 - end) === after.at(-1 - end)) end++;
	return { at: start, removed: before.slice(start, before.length - end), added: after.slice(start, after.length - end) };
}

interface EditCase extends Fixture {
	name: string;
	located: Partial<LocatedImage> & { kind: LocatedImage['kind']; resolved: string };
	/** Every file that changes, with its whole text after the edit to 1.7.0. */
	after: Record<string, string>;
	/** What locateImage resolves once the edit is applied. */
	becomes: string;
}

const APP = 'acme/shop';

const editCases: EditCase[] = [
	{
		name: 'plain literal',
		files: y('services:', '  web:', `    image: ${APP}:1.6.0`, '    restart: always'),
		located: { kind: 'literal', resolved: `${APP}:1.6.0`, tag: '1.6.0', value: '1.6.0', file: COMPOSE, write: 'tag' },
		after: { [COMPOSE]: y('services:', '  web:', `    image: ${APP}:1.7.0`, '    restart: always') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'single-quoted literal with a comment',
		files: y('services:', '  web:', `    image: '${APP}:1.6.0'   # pinned`),
		located: { kind: 'literal', resolved: `${APP}:1.6.0`, tag: '1.6.0' },
		after: { [COMPOSE]: y('services:', '  web:', `    image: '${APP}:1.7.0'   # pinned`) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'double-quoted literal with a registry port',
		files: y('services:', '  web:', `    image: "127.0.0.1:5000/${APP}:1.6.0"`),
		located: { kind: 'literal', resolved: `127.0.0.1:5000/${APP}:1.6.0`, tag: '1.6.0' },
		after: { [COMPOSE]: y('services:', '  web:', `    image: "127.0.0.1:5000/${APP}:1.7.0"`) },
		becomes: `127.0.0.1:5000/${APP}:1.7.0`,
	},
	{
		name: 'flow mapping',
		files: y('services:', `  web: { image: ${APP}:1.6.0, restart: always }`, '  db: {image: "postgres:16"}'),
		located: { kind: 'literal', resolved: `${APP}:1.6.0` },
		after: { [COMPOSE]: y('services:', `  web: { image: ${APP}:1.7.0, restart: always }`, '  db: {image: "postgres:16"}') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'untagged literal (latest): the tag is added',
		files: y('services:', '  web:', `    image: ${APP} # latest`),
		located: { kind: 'literal', resolved: APP, tag: undefined, value: '' },
		after: { [COMPOSE]: y('services:', '  web:', `    image: ${APP}:1.7.0 # latest`) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: '${TAG} in the env file',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG}`),
		env: y('# versions', 'TAG=1.6.0', 'POSTGRES_TAG=16'),
		located: { kind: 'variable', name: 'TAG', in: 'env-file', value: '1.6.0', resolved: `${APP}:1.6.0`, file: ENV, write: 'tag' },
		after: { [ENV]: y('# versions', 'TAG=1.7.0', 'POSTGRES_TAG=16') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: '$TAG (unbraced)',
		files: y('services:', '  web:', `    image: "${APP}:$TAG"`),
		env: y('TAG=1.6.0'),
		located: { kind: 'variable', name: 'TAG', in: 'env-file', resolved: `${APP}:1.6.0` },
		after: { [ENV]: y('TAG=1.7.0') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'the whole image in a variable: only its tag part changes',
		files: y('services:', '  web:', '    image: ${SHOP_IMAGE}'),
		env: y('SHOP_IMAGE=127.0.0.1:5000/acme/shop:1.6.0 # the app'),
		located: { kind: 'variable', name: 'SHOP_IMAGE', in: 'env-file', value: '127.0.0.1:5000/acme/shop:1.6.0', tagRange: [25, 30] },
		after: { [ENV]: y('SHOP_IMAGE=127.0.0.1:5000/acme/shop:1.7.0 # the app') },
		becomes: '127.0.0.1:5000/acme/shop:1.7.0',
	},
	{
		name: '${REGISTRY}/app:${TAG}: the variable after the last colon carries the tag',
		files: y('services:', '  web:', '    image: ${REGISTRY}/acme/shop:${TAG}'),
		env: y('REGISTRY=127.0.0.1:5000', 'TAG=1.6.0'),
		located: { kind: 'variable', name: 'TAG', in: 'env-file', resolved: '127.0.0.1:5000/acme/shop:1.6.0' },
		after: { [ENV]: y('REGISTRY=127.0.0.1:5000', 'TAG=1.7.0') },
		becomes: '127.0.0.1:5000/acme/shop:1.7.0',
	},
	{
		name: 'a variable registry and a literal tag: the compose file is edited',
		files: y('services:', '  web:', '    image: ${REGISTRY:-127.0.0.1:5000}/acme/shop:1.6.0'),
		located: { kind: 'literal', resolved: '127.0.0.1:5000/acme/shop:1.6.0', tag: '1.6.0' },
		after: { [COMPOSE]: y('services:', '  web:', '    image: ${REGISTRY:-127.0.0.1:5000}/acme/shop:1.7.0') },
		becomes: '127.0.0.1:5000/acme/shop:1.7.0',
	},
	{
		name: '${TAG:-default} with no env file: the env file is created',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG:-1.6.0}`),
		located: { kind: 'variable', name: 'TAG', in: 'default', value: '1.6.0', write: 'line', fileText: undefined },
		after: { [ENV]: y('TAG=1.7.0') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: '${TAG-default} unset in an env file without a final newline: one line is added',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG-1.6.0}`),
		env: 'COMPOSE_PROJECT_NAME=shop',
		located: { kind: 'variable', name: 'TAG', in: 'default', write: 'line', range: [25, 25] },
		after: { [ENV]: y('COMPOSE_PROJECT_NAME=shop', 'TAG=1.7.0') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: '${TAG:-default} set empty: Compose takes the default; the empty value is filled in',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG:-1.6.0}`),
		env: y('TAG=', 'OTHER=1'),
		located: { kind: 'variable', name: 'TAG', in: 'default', write: 'value', resolved: `${APP}:1.6.0` },
		after: { [ENV]: y('TAG=1.7.0', 'OTHER=1') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: '${TAG:-default} set to "": the quotes are kept',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG:-1.6.0}`),
		env: y('TAG=""'),
		located: { kind: 'variable', name: 'TAG', in: 'default', write: 'value' },
		after: { [ENV]: y('TAG="1.7.0"') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: '${TAG-default} with TAG in the env file: the env file wins over the default',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG-1.5.0}`),
		env: y('TAG=1.6.0'),
		located: { kind: 'variable', name: 'TAG', in: 'env-file', resolved: `${APP}:1.6.0` },
		after: { [ENV]: y('TAG=1.7.0') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: '${TAG:?err} (required) set in the env file',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG:?set TAG in .env}`),
		env: y('TAG=1.6.0'),
		located: { kind: 'variable', name: 'TAG', in: 'env-file' },
		after: { [ENV]: y('TAG=1.7.0') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: '.env with export, quotes, comments and duplicate keys: the last definition is edited',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG}`, '  db:', '    image: postgres:${PG_TAG}'),
		env: y('# shop settings', '', 'export TAG=1.5.0', "PG_TAG='16.4' # db", '', '  # newer:', 'export TAG="1.6.0" # current', 'LAST=x'),
		located: { kind: 'variable', name: 'TAG', in: 'env-file', value: '1.6.0' },
		after: { [ENV]: y('# shop settings', '', 'export TAG=1.5.0', "PG_TAG='16.4' # db", '', '  # newer:', 'export TAG="1.7.0" # current', 'LAST=x') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: "single-quoted env value and the yaml-style KEY: VALUE",
		files: y('services:', '  web:', `    image: ${APP}:\${TAG}`),
		env: y("A: 'x'", "TAG = '1.6.0'"),
		located: { kind: 'variable', name: 'TAG', in: 'env-file' },
		after: { [ENV]: y("A: 'x'", "TAG = '1.7.0'") },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'a multi-line quoted env value before the tag is skipped whole',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG}`),
		env: y('CERT="-----BEGIN-----', 'TAG=9.9.9', '-----END-----"', 'TAG=1.6.0'),
		located: { kind: 'variable', name: 'TAG', in: 'env-file', range: [51, 56] },
		after: { [ENV]: y('CERT="-----BEGIN-----', 'TAG=9.9.9', '-----END-----"', 'TAG=1.7.0') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'CRLF compose file',
		files: crlf(y('services:', '  web:  # app', `    image: ${APP}:1.6.0 # pinned`, '  db:', '    image: postgres:16')),
		located: { kind: 'literal', resolved: `${APP}:1.6.0` },
		after: { [COMPOSE]: crlf(y('services:', '  web:  # app', `    image: ${APP}:1.7.0 # pinned`, '  db:', '    image: postgres:16')) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'CRLF env file, edited in place',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG}`),
		env: crlf(y('TAG=1.6.0', 'B=2')),
		located: { kind: 'variable', name: 'TAG', in: 'env-file' },
		after: { [ENV]: crlf(y('TAG=1.7.0', 'B=2')) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'CRLF env file, a line added with CRLF',
		files: y('services:', '  web:', `    image: ${APP}:\${TAG:-1.6.0}`),
		env: crlf(y('B=2')),
		located: { kind: 'variable', name: 'TAG', in: 'default', write: 'line' },
		after: { [ENV]: crlf(y('B=2', 'TAG=1.7.0')) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'two -f files: the override sets the image, only it changes',
		files: [
			[COMPOSE, y('services:', '  web:', `    image: ${APP}:1.5.0`, '    restart: always')],
			[OVERRIDE, y('services:', '  web:', `    image: ${APP}:1.6.0 # prod`)],
		],
		located: { kind: 'literal', resolved: `${APP}:1.6.0`, file: OVERRIDE },
		after: { [OVERRIDE]: y('services:', '  web:', `    image: ${APP}:1.7.0 # prod`) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'two -f files: the override leaves the image alone, the base changes',
		files: [
			[COMPOSE, y('services:', '  web:', `    image: ${APP}:1.6.0`)],
			[OVERRIDE, y('services:', '  web:', '    environment: [LOG=debug]', '  extra:', '    image: busybox:1')],
		],
		located: { kind: 'literal', resolved: `${APP}:1.6.0`, file: COMPOSE },
		after: { [COMPOSE]: y('services:', '  web:', `    image: ${APP}:1.7.0`) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'an empty override file changes nothing about the image',
		files: [
			[COMPOSE, y('services:', '  web:', `    image: ${APP}:1.6.0`)],
			[OVERRIDE, '# nothing yet\n'],
		],
		located: { kind: 'literal', resolved: `${APP}:1.6.0`, file: COMPOSE },
		after: { [COMPOSE]: y('services:', '  web:', `    image: ${APP}:1.7.0`) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'merge key from an extension used once: edited at the anchor, not shared',
		files: y('x-app: &app', `  image: ${APP}:1.6.0`, '  restart: always', 'services:', '  web:', '    <<: *app', '    ports: ["8080:8080"]'),
		located: { kind: 'literal', resolved: `${APP}:1.6.0`, shared: undefined },
		after: { [COMPOSE]: y('x-app: &app', `  image: ${APP}:1.7.0`, '  restart: always', 'services:', '  web:', '    <<: *app', '    ports: ["8080:8080"]') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: "merge key: the service's own image wins over the merged one",
		files: y('x-app: &app', `  image: ${APP}:1.0.0`, 'services:', '  web:', '    <<: *app', `    image: ${APP}:1.6.0`),
		located: { kind: 'literal', resolved: `${APP}:1.6.0`, shared: undefined },
		after: { [COMPOSE]: y('x-app: &app', `  image: ${APP}:1.0.0`, 'services:', '  web:', '    <<: *app', `    image: ${APP}:1.7.0`) },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'merge key list: the first source that has image wins',
		files: y('x-a: &a {restart: always}', `x-b: &b {image: "${APP}:1.6.0"}`, `x-c: &c {image: "${APP}:0.1.0"}`, 'services:', '  web:', '    <<: [*a, *b, *c]'),
		located: { kind: 'literal', resolved: `${APP}:1.6.0` },
		after: { [COMPOSE]: y('x-a: &a {restart: always}', `x-b: &b {image: "${APP}:1.7.0"}`, `x-c: &c {image: "${APP}:0.1.0"}`, 'services:', '  web:', '    <<: [*a, *b, *c]') },
		becomes: `${APP}:1.7.0`,
	},
	{
		name: 'image: *img with the anchor on an extension used once: not shared',
		files: y(`x-img: &img ${APP}:1.6.0 # the one place`, 'services:', '  web:', '    image: *img'),
		located: { kind: 'literal', resolved: `${APP}:1.6.0`, shared: undefined },
		after: { [COMPOSE]: y(`x-img: &img ${APP}:1.7.0 # the one place`, 'services:', '  web:', '    image: *img') },
		becomes: `${APP}:1.7.0`,
	},
];

describe('locateImage + rewriteImage: the edit is the tag and nothing else', () => {
	it.each(editCases)('$name', (fixture) => {
		const input = inputOf(fixture);
		const located = locateImage(input);
		const { shared, ...expected } = fixture.located;
		expect(located).toMatchObject(expected);
		if ('shared' in fixture.located) expect(located.shared).toEqual(shared);

		const edits = rewriteImage(located, '1.7.0');
		expect(Object.fromEntries(edits.map((edit) => [edit.path, edit.after]))).toEqual(fixture.after);
		for (const edit of edits) {
			expect(edit.before).toBe(edit.path === ENV ? input.envFile.text : input.files.find((file) => file.path === edit.path)!.text);
		}
		expect(locateImage(applied(input, edits)).resolved).toBe(fixture.becomes);
	});
});

describe('byte-exact edits', () => {
	const commented = y(
		'# Shop: web + db.   Keep the tags pinned!  ',
		'name: shop # project',
		'',
		'x-logging: &logging   # shared logging',
		'  driver: "json-file"',
		'services:',
		'  # the app',
		'  web:   # web tier',
		'    image: "127.0.0.1:5000/acme/shop:1.6.0"   # bump with the wizard',
		'    logging: *logging',
		'    ports:',
		'      - "127.0.0.1:8080:8080"  # loopback only',
		'    environment:',
		'      DATABASE_URL: postgres://shop@db:5432/shop # same network',
		'',
		'  db:',
		'    image: postgres:16.4 # not this one',
		'    volumes: [ "db:/var/lib/postgresql/data" ]  # named',
		'volumes:',
		'  db: {}   # trailing',
		'# end',
	);

	it('a file with comments everywhere: the only difference is the tag', () => {
		const located = locateImage(inputOf({ files: commented }));
		const [edit] = rewriteImage(located, '1.7.0');
		expect(located.fileText!.slice(...located.range)).toBe('1.6.0');
		expect(edit.after).toBe(commented.replace('shop:1.6.0"', 'shop:1.7.0"'));
		expect(diff(commented, edit.after)).toEqual({ at: commented.indexOf('1.6.0"') + 2, removed: '6', added: '7' });
		// A tag of another length shifts nothing else either.
		const [longer] = rewriteImage(located, '1.10.0-rc.1');
		expect(longer.after).toBe(commented.slice(0, located.range[0]) + '1.10.0-rc.1' + commented.slice(located.range[1]));
	});

	it('the same file with CRLF line endings keeps every CR', () => {
		const text = crlf(commented);
		const [edit] = rewriteImage(locateImage(inputOf({ files: text })), '1.7.0');
		expect(edit.after).toBe(crlf(commented.replace('shop:1.6.0"', 'shop:1.7.0"')));
		expect(diff(text, edit.after).removed).toBe('6');
	});

	it('the same tag again changes nothing', () => {
		expect(rewriteImage(locateImage(inputOf({ files: commented })), '1.6.0')).toEqual([]);
	});
});

describe('shared values: an edit that changes more than this service is reported', () => {
	const cases: Array<{ name: string; fixture: Fixture; shared: SharedUse | undefined }> = [
		{
			name: 'an anchor on one service aliased by another',
			fixture: { files: y('services:', '  web:', `    image: &img ${APP}:1.6.0`, '  worker:', '    image: *img', '    command: work') },
			shared: { via: 'anchor', name: 'img', places: [{ file: COMPOSE, path: 'services.web.image' }, { file: COMPOSE, path: 'services.worker.image' }] },
		},
		{
			name: 'one extension merged into two services',
			fixture: { files: y('x-app: &app', `  image: ${APP}:1.6.0`, 'services:', '  web:', '    <<: *app', '  worker:', '    <<: *app') },
			shared: { via: 'anchor', name: 'app', places: [{ file: COMPOSE, path: 'services.web.image' }, { file: COMPOSE, path: 'services.worker.image' }] },
		},
		{
			name: 'an anchor whose other alias a later file overrides: not shared',
			fixture: {
				files: [
					[COMPOSE, y('services:', '  web:', `    image: &img ${APP}:1.6.0`, '  worker:', '    image: *img')],
					[OVERRIDE, y('services:', '  worker:', '    image: acme/worker:2')],
				],
			},
			shared: undefined,
		},
		{
			name: 'a variable named by two services and an environment entry',
			fixture: {
				files: y('services:', '  web:', `    image: ${APP}:\${TAG}`, '  worker:', `    image: ${APP}-worker:\${TAG:-1.6.0}`, '    environment:', '      - SHOP_VERSION=$TAG'),
				env: y('TAG=1.6.0'),
			},
			shared: {
				via: 'variable',
				name: 'TAG',
				places: [
					{ file: COMPOSE, path: 'services.web.image' },
					{ file: COMPOSE, path: 'services.worker.image' },
					{ file: COMPOSE, path: 'services.worker.environment[0]' },
				],
			},
		},
		{
			name: 'a variable in two files, one use overridden, another in an extension: not shared',
			fixture: {
				files: [
					[COMPOSE, y('x-note: ${TAG}', 'services:', '  web:', `    image: ${APP}:1.0`, '  db:', '    image: postgres:16')],
					[OVERRIDE, y('services:', '  web:', `    image: ${APP}:\${TAG}`)],
				],
				env: y('TAG=1.6.0'),
			},
			shared: undefined,
		},
	];
	it.each(cases)('$name', ({ fixture, shared }) => {
		const located = locateImage(inputOf(fixture));
		expect(located.shared).toEqual(shared);
		// Still one edit in one place: the caller decides whether to refuse or warn.
		expect(rewriteImage(located, '1.7.0')).toHaveLength(1);
	});
});

describe('refusals: typed errors, exit 2', () => {
	const cases: Array<{ name: string; fixture: Fixture; code: ComposeImageErrorCode; variable?: string; message: RegExp }> = [
		{
			name: '${TAG} with no env file: only the shell could set it',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${TAG}`) },
			code: 'shell-only',
			variable: 'TAG',
			message: /TAG is not set in the env file, so only the shell environment could provide it/,
		},
		{
			name: '$TAG missing from the env file',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:$TAG`), env: y('OTHER=1', '# TAG=1.6.0') },
			code: 'shell-only',
			variable: 'TAG',
			message: /TAG is not set in the env file/,
		},
		{
			name: '${TAG:?err} missing',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${TAG:?set TAG}`), env: y('TAG=') },
			code: 'shell-only',
			variable: 'TAG',
			message: /TAG \(required: set TAG\) is not set in the env file/,
		},
		{
			name: 'a bare TAG line in the env file takes the shell value',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${TAG:-1.6.0}`), env: y('TAG', 'B=1') },
			code: 'shell-only',
			variable: 'TAG',
			message: /taken from the shell environment/,
		},
		{
			name: 'the registry variable set only by the shell',
			fixture: { files: y('services:', '  web:', '    image: ${REGISTRY}/acme/shop:1.6.0') },
			code: 'shell-only',
			variable: 'REGISTRY',
			message: /REGISTRY is not set/,
		},
		{
			name: 'a build-only service',
			fixture: { files: y('services:', '  web:', '    build: .', '  db:', '    image: postgres:16') },
			code: 'no-image',
			message: /service web has no image: in \/srv\/shop\/compose.yml: it is built/,
		},
		{
			name: 'a service no file defines',
			fixture: { files: y('services:', '  db:', '    image: postgres:16'), service: 'web' },
			code: 'no-service',
			message: /no compose file defines a service web/,
		},
		{
			name: 'an image only extends: provides',
			fixture: { files: y('services:', '  web:', '    extends: { file: base.yml, service: app }') },
			code: 'unsupported',
			message: /extends:/,
		},
		{
			name: 'a tag made of two variables',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${MAJOR}.\${MINOR}`), env: y('MAJOR=1', 'MINOR=6') },
			code: 'unsupported',
			message: /made of several parts/,
		},
		{
			name: 'a tag from an alternative value',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${PROD:+1.6.0}`), env: y('PROD=yes') },
			code: 'unsupported',
			variable: 'PROD',
			message: /alternative value/,
		},
		{
			name: 'an env value that expands another variable',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${TAG}`), env: y('BASE=1.6.0', 'TAG=${BASE}') },
			code: 'unsupported',
			variable: 'TAG',
			message: /refers to other variables/,
		},
		{
			name: 'an env value with escapes',
			// Compose reads "\060" as "0": right, but not editable in place.
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${TAG}`), env: y('TAG="1.6.\\060"') },
			code: 'unsupported',
			variable: 'TAG',
			message: /line 1\) is written with escapes/,
		},
		{
			name: 'an image written as a block scalar',
			fixture: { files: y('services:', '  web:', '    image: >-', `      ${APP}:1.6.0`) },
			code: 'unsupported',
			message: /block scalar/,
		},
		{
			name: 'an image with escapes in double quotes',
			fixture: { files: y('services:', '  web:', `    image: "${APP}:1.6\\x2e0"`) },
			code: 'unsupported',
			message: /escapes/,
		},
		{
			name: '!reset',
			fixture: { files: y('services:', '  web:', '    image: !reset null') },
			code: 'unsupported',
			message: /!reset/,
		},
		{
			name: 'an empty tag once interpolated',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${TAG-1.6.0}`), env: y('TAG=') },
			code: 'invalid-reference',
			message: /invalid tag ""/,
		},
		{
			name: 'TAG= # comment: Compose reads the comment as the value (its dotenv cuts at " #" only)',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${TAG:-1.6.0}`), env: y('TAG=   # set by hand') },
			code: 'invalid-reference',
			message: /"acme\/shop:# set by hand"/,
		},
		{
			name: 'invalid YAML',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:1.6.0`, '    image: again') },
			code: 'invalid-yaml',
			message: /\/srv\/shop\/compose.yml: Map keys must be unique/,
		},
		{
			name: 'an env file Compose cannot read',
			fixture: { files: y('services:', '  web:', `    image: ${APP}:\${TAG}`), env: y('TAG=1.6.0', 'BAD KEY=1') },
			code: 'invalid-env-file',
			message: /\/srv\/shop\/.env line 2: a variable name cannot contain a space/,
		},
	];
	it.each(cases)('$name', ({ fixture, code, variable, message }) => {
		let caught: unknown;
		try {
			locateImage(inputOf(fixture));
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ComposeImageError);
		const error = caught as ComposeImageError;
		expect({ code: error.code, variable: error.variable }).toEqual({ code, variable });
		expect(error.message).toMatch(message);
		expect(error).toBeInstanceOf(UsageError);
		expect(error.exitCode).toBe(2);
	});

	it.each([
		['digest only', `${APP}@${DIGEST}`, undefined],
		['tag and digest', `${APP}:1.6.0@${DIGEST}`, '1.6.0'],
	])('a digest-pinned reference (%s) is located but not rewritten', (_, image, tag) => {
		const located = locateImage(inputOf({ files: y('services:', '  web:', `    image: ${image}`) }));
		expect({ resolved: located.resolved, tag: located.tag, digest: located.digest }).toEqual({ resolved: image, tag, digest: DIGEST });
		expect(() => rewriteImage(located, '1.7.0')).toThrow(expect.objectContaining({ code: 'digest-pinned', exitCode: 2 }));
	});

	it('a digest-pinned reference from the env file is refused too', () => {
		const located = locateImage(inputOf({ files: y('services:', '  web:', '    image: ${IMAGE}'), env: y(`IMAGE=${APP}:1.6.0@${DIGEST}`) }));
		expect(located).toMatchObject({ kind: 'variable', name: 'IMAGE', tag: '1.6.0', digest: DIGEST });
		expect(() => rewriteImage(located, '1.7.0')).toThrow(expect.objectContaining({ code: 'digest-pinned' }));
	});

	it.each(['', '1.7.0 # x', '-rc', "1.7'0", 'a'.repeat(129)])('an invalid new tag %j', (tag) => {
		const located = locateImage(inputOf({ files: y('services:', '  web:', `    image: ${APP}:1.6.0`) }));
		expect(() => rewriteImage(located, tag)).toThrow(expect.objectContaining({ code: 'invalid-tag' }));
	});
});

describe('yaml stays out of startup', () => {
	// The bundle puts a module reached only by import() in a chunk of its own;
	// one static import of `yaml` (or of a module that imports it) from outside
	// targets/compose/ would load the parser on every plain-container run.
	const root = new URL('../../source/', import.meta.url);
	const sources = (readdirSync(root, { recursive: true }) as string[])
		.filter((file) => /\.tsx?$/.test(file))
		.map((file) => ({ file: file.replace(/\\/g, '/'), text: readFileSync(new URL(file, root), 'utf8') }));
	const importing = (pattern: RegExp) => sources.filter(({ text }) => pattern.test(text)).map(({ file }) => file);

	it('only compose-yaml.ts and config-yaml.ts import yaml (other than for types)', () => {
		expect(importing(/^import\s+(?!type\b)[^;]*?from\s+'yaml'/m).sort()).toEqual(['targets/compose/compose-yaml.ts', 'targets/compose/config-yaml.ts']);
	});

	it('the entry points to yaml (locate.ts, config-yaml.ts) are reached by import() only', () => {
		expect(importing(/^import\s+(?!type\b)[^;]*?from\s+'[^']*(?:locate|config-yaml)\.js'/m)).toEqual([]);
	});

	it('the modules that load yaml are imported only from inside targets/compose/', () => {
		const outside = importing(/from\s+'[^']*compose\/(?:compose-yaml|shared|locate)\.js'/).filter((file) => !file.startsWith('targets/compose/'));
		expect(outside).toEqual([]);
	});
});
