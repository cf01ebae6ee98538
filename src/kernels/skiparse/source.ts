// WGSL assembly for the two Skiparse kernels: the shared index rules and bindings (src/kernels/skiparse/skiparse_common.wgsl)
// followed by the kernel, with its compile-time constants substituted (array sizes and trip counts must be constant).
import commonSource from './skiparse_common.wgsl?raw';

export function skiparseSource(kernelSource: string, constants: Record<string, number>, who: string): string {
  let src = kernelSource;
  for (const [name, value] of Object.entries(constants)) {
    const re = new RegExp(`^const ${name}: u32 = \\d+u;`, 'm');
    if (!re.test(src)) throw new Error(`${who}: shader constant ${name} not found (shader and wrapper out of sync)`);
    src = src.replace(re, `const ${name}: u32 = ${value}u;`);
  }
  return `${commonSource}\n${src}`;
}
