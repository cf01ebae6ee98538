import { describe, expect, it } from 'vitest';
import { ditFeeds } from './dit-feeds';

describe('ditFeeds (bench DiT-forward inputs)', () => {
  it('gives every input of the inpaint DiT its CFG-batch-of-2 shape, with the text-to-video condition', () => {
    const names = ['latent', 'timestep', 'text_states', 'text_mask', 'cond_latent', 'cond_mask'];
    const feeds = Object.fromEntries(ditFeeds(names, [1, 8, 5, 8, 8], 192).map(([k, data, dims]) => [k, { data, dims }]));
    expect(Object.keys(feeds)).toEqual(names);
    for (const { data, dims } of Object.values(feeds)) expect(data.length).toBe(dims.reduce((a, b) => a * b, 1));
    expect(feeds.latent.dims).toEqual([2, 8, 5, 8, 8]);
    expect(feeds.text_states.dims).toEqual([2, 32, 192]);
    expect(feeds.cond_mask.dims).toEqual([2, 4, 5, 8, 8]);
    expect(feeds.cond_mask.data.every((x) => x === 1)).toBe(true); // all masked
    expect(feeds.cond_latent.data.every((x) => x === 0)).toBe(true);
    expect(Array.from(feeds.text_mask.data.slice(0, 32)).filter((x) => x === 1).length).toBe(8);
  });

  it('refuses an input it does not know rather than feeding it garbage', () => {
    expect(() => ditFeeds(['latent', 'image_embeds'], [1, 8, 5, 8, 8], 48)).toThrow(/image_embeds/);
  });
});
