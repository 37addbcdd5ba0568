import { docker, TEST_LABEL, waitHealthy } from './docker.js';
import type { TestDatabase } from './postgres.js';
import type { World } from './world.js';

/** Start a fixture app container the way an operator would, and wait for it to be healthy. `image` overrides `<appRepo>:<tag>` (a copy in another registry). */
export async function startApp(
	w: World,
	options: { name: string; tag: string; db: TestDatabase; caseLabel: string; args?: string[]; command?: string[]; image?: string },
): Promise<string> {
	const { stdout } = await docker([
		'run', '-d', '--name', options.name,
		'--label', TEST_LABEL, '--label', options.caseLabel,
		'-e', `DATABASE_URL=${options.db.containerUrl}`,
		'-v', options.db.socketMount,
		...(options.args ?? []),
		options.image ?? `${w.appRepo}:${options.tag}`,
		...(options.command ?? []),
	]);
	await waitHealthy(options.name, 90_000);
	return stdout.trim();
}
