// Parity cases of copy.wgsl (exact copy, nothing written past the end), run by e2e/kernels-copy.spec.ts.
// 4: one vec4; 1028: a partial last thread; 4·256·4·3 + 8: several workgroups plus a ragged tail.
export const COPY_PARITY_ELEMENTS: number[] = [4, 1028, 12296];
