import { StateMachine } from './state-machine';

type Light = 'red' | 'green' | 'amber';
const light = new StateMachine<Light>('Light', ['red'], { red: ['green'], green: ['amber'], amber: ['red'] });

describe('StateMachine', () => {
  it('allows only the written transitions', () => {
    expect(light.canTransition('red', 'green')).toBe(true);
    expect(light.canTransition('red', 'amber')).toBe(false);
    expect(() => light.assertTransition('green', 'red')).toThrow('Light cannot go from green to red');
  });

  it('knows the predecessors of a status', () => {
    expect(light.predecessorsOf('red')).toEqual(['amber']);
  });

  it('refuses to create a row in a non-initial status', () => {
    expect(() => light.assertInitial('amber')).toThrow(/cannot be created as amber/);
  });
});
