import React from 'react';
import { Text } from 'ink';
import { spinnerFrame, useTick } from './ticker.js';

/** A spinner frame from the shared ticker: only this text re-renders per tick. */
export function Spin() {
	return <Text color="cyan">{spinnerFrame(useTick())}</Text>;
}

export function Waiting({ children }: { children: string }) {
	return (
		<Text wrap="truncate">
			<Spin /> {children}
		</Text>
	);
}
