import { expect } from 'vitest';
import { docker, exists, inspect, waitHealthy } from './docker.js';

/**
 * Every way back ends the same: the original container (same ID, same image)
 * under its name, running and healthy, no `<name>-old`, no stray container.
 */
export async function expectOriginalBack(name: string, originalId: string, image: string, healthyWithinMs = 30_000): Promise<void> {
	const after = await inspect(name);
	expect(after.Id).toBe(originalId);
	expect(after.Config.Image).toBe(image);
	expect(after.State.Running).toBe(true);
	await waitHealthy(name, healthyWithinMs);
	expect(await exists(`${name}-old`)).toBe(false);
	const strays = await docker(['ps', '-a', '--filter', `name=^/${name}`, '--format', '{{.Names}}']);
	expect(strays.stdout.trim().split('\n')).toEqual([name]);
}
