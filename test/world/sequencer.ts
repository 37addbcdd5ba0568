import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Integration files run one at a time; the world:down check tears the world's
// containers down, so it must come last whatever the cache says about durations.
export default class WorldDownLast extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const sorted = await super.sort(files);
		const isDown = (spec: TestSpecification) => spec.moduleId.endsWith('world-down.test.ts');
		return [...sorted.filter((spec) => !isDown(spec)), ...sorted.filter(isDown)];
	}
}
