import { docker, inspect, removeByLabel, waitHealthy } from './docker.js';

// A PostgreSQL server container on a volume of its own, with an app that uses it
// by a network alias: the shape the PostgreSQL major-upgrade tests start from.

/** psql as the superuser inside the server's container (its own socket), one result line. */
export async function psqlIn(container: string, sql: string, database = 'appdb'): Promise<string> {
	const { stdout } = await docker(['exec', container, 'psql', '-X', '-q', '-t', '-A', '-U', 'postgres', '-d', database, '-c', sql]);
	return stdout.trim();
}

export interface PgStack {
	server: string;
	app: string;
	volume: string;
	serverId: string;
	appId: string;
}

export interface PgStackOptions {
	server: string;
	app: string;
	volume: string;
	image: string;
	appImage: string;
	network: string;
	/** The name the app reaches the server by. */
	alias: string;
	/** `--label` arguments: the test label and the case's own. */
	labels: string[];
	superuserPassword: string;
	/** docker run arguments of the server beyond the usual (labels, restart policy, TZ...). */
	serverArgs?: string[];
	/** Runs on the healthy server before the app starts. */
	seed: (server: string) => Promise<void>;
	/** The app's DATABASE_URL; by default the superuser's on appdb. */
	appUrl?: string;
}

export async function startPgStack(options: PgStackOptions): Promise<PgStack> {
	const { server, app, volume, network, labels } = options;
	await docker(['run', '-d', '--name', server, ...labels, ...(options.serverArgs ?? []), '--network', network, '--network-alias', options.alias,
		'-v', `${volume}:/var/lib/postgresql/data`, '-e', `POSTGRES_PASSWORD=${options.superuserPassword}`, '-e', 'POSTGRES_DB=appdb', options.image]);
	await waitHealthy(server);
	await options.seed(server);
	const url = options.appUrl ?? `postgres://postgres:${options.superuserPassword}@${options.alias}:5432/appdb`;
	await docker(['run', '-d', '--name', app, ...labels, '--network', network, '-e', `DATABASE_URL=${url}`, options.appImage]);
	await waitHealthy(app);
	return { server, app, volume, serverId: (await inspect(server)).Id, appId: (await inspect(app)).Id };
}

/** Everything a case made: its containers (by label), the volumes named after it, its network. */
export async function removePgCase(caseLabel: string, id: string, network: string): Promise<void> {
	await removeByLabel(caseLabel);
	const { stdout } = await docker(['volume', 'ls', '-q', '--filter', `name=${id}`]);
	for (const volume of stdout.split('\n').filter(Boolean)) await docker(['volume', 'rm', '-f', volume], { reject: false });
	await docker(['network', 'rm', network], { reject: false });
}
