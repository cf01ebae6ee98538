// First frame of an MP4 → a small WebP thumbnail (mediabunny demux + WebCodecs decode via src/video/mp4-reader.ts).
export async function thumbnailOf(mp4: Blob, maxSide = 160): Promise<Blob | null> {
  try {
    const { readMp4 } = await import('../video/mp4-reader');
    const d = await readMp4(mp4, { frames: true });
    const f = d.frames?.[0];
    if (!f) return null;
    const src = new OffscreenCanvas(d.width, d.height);
    src.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(f), d.width, d.height), 0, 0);
    const s = Math.min(1, maxSide / Math.max(d.width, d.height));
    const w = Math.max(1, Math.round(d.width * s));
    const h = Math.max(1, Math.round(d.height * s));
    const out = new OffscreenCanvas(w, h);
    const ctx = out.getContext('2d')!;
    ctx.imageSmoothingEnabled = s < 1;
    ctx.drawImage(src, 0, 0, w, h);
    return await out.convertToBlob({ type: 'image/webp', quality: 0.85 });
  } catch {
    return null;
  }
}
