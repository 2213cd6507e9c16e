//! RGB pixels → a small indexed-colour PNG.
//!
//! A chart is a few flat colours plus the grey and tinted edges of
//! anti-aliased text. Keeping the most used colours as a palette (and
//! mapping each rarer edge colour to its nearest palette entry) makes the
//! image 4 or 8 bits a pixel instead of 24, and several times smaller,
//! with no visible change: the edges keep most of their shades.

use std::collections::HashMap;

use super::ChartError;

/// Palette entries kept. 64 holds every flat colour of a chart plus enough
/// shades for smooth text; the rest snap to their nearest kept colour.
const MAX_COLOURS: usize = 64;

/// Encodes `rgb` (3 bytes a pixel, rows top to bottom) as an indexed PNG.
///
/// # Errors
/// [`ChartError::Buffer`] when `rgb` is not `width × height × 3` bytes, and
/// [`ChartError::Encode`] when the encoder fails.
pub fn indexed_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let (w, h) = (width as usize, height as usize);
    if rgb.len() != w * h * 3 || w == 0 || h == 0 {
        return Err(ChartError::Buffer);
    }
    let mut counts: HashMap<[u8; 3], u32> = HashMap::new();
    for px in rgb.chunks_exact(3) {
        *counts.entry([px[0], px[1], px[2]]).or_default() += 1;
    }
    let mut by_use: Vec<([u8; 3], u32)> = counts.into_iter().collect();
    // Most used first; ties by colour so the output is deterministic.
    by_use.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    by_use.truncate(MAX_COLOURS);
    let palette: Vec<[u8; 3]> = by_use.into_iter().map(|(c, _)| c).collect();
    let mut index: HashMap<[u8; 3], u8> = palette.iter().enumerate().map(|(i, c)| (*c, i as u8)).collect();

    let depth = match palette.len() {
        0..=2 => png::BitDepth::One,
        3..=4 => png::BitDepth::Two,
        5..=16 => png::BitDepth::Four,
        _ => png::BitDepth::Eight,
    };
    let bits = depth as usize;
    let per_byte = 8 / bits;
    let row_bytes = w.div_ceil(per_byte);
    let mut packed = vec![0u8; row_bytes * h];
    for (y, row) in rgb.chunks_exact(w * 3).enumerate() {
        for (x, px) in row.chunks_exact(3).enumerate() {
            let colour = [px[0], px[1], px[2]];
            let i = *index.entry(colour).or_insert_with(|| nearest(&palette, colour));
            let shift = 8 - bits * (x % per_byte + 1);
            packed[y * row_bytes + x / per_byte] |= i << shift;
        }
    }

    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(depth);
        encoder.set_palette(palette.concat());
        encoder.set_compression(png::Compression::High);
        // Filters predict smooth gradients; palette indices are not one.
        encoder.set_filter(png::Filter::NoFilter);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&packed)?;
        writer.finish()?;
    }
    Ok(out)
}

/// The palette index closest to `colour` (squared RGB distance).
fn nearest(palette: &[[u8; 3]], colour: [u8; 3]) -> u8 {
    let distance =
        |c: &[u8; 3]| -> u32 { c.iter().zip(colour).map(|(a, b)| (i32::from(*a) - i32::from(b)).pow(2) as u32).sum() };
    palette.iter().enumerate().min_by_key(|(_, c)| distance(c)).map_or(0, |(i, _)| i as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn few_colours_round_trip_exactly() {
        // 3 × 2: red, green, blue / white, white, red.
        let rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0];
        let bytes = indexed_png(&rgb, 3, 2).unwrap();
        let (info, pixels) = decode(&bytes);
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(pixels, rgb);
    }

    #[test]
    fn rare_colours_snap_to_a_near_kept_one() {
        // 16 flat colours used 50 times each, then 200 one-off shades
        // within 3 of one of them (anti-aliased edges): the flat ones stay
        // exact and every shade moves by at most 6 per channel.
        let flat: Vec<[u8; 3]> = (0..16u8).map(|i| [i * 16, 255 - i * 16, 128]).collect();
        let mut rgb = Vec::new();
        for c in &flat {
            for _ in 0..50 {
                rgb.extend_from_slice(c);
            }
        }
        for i in 0..200u32 {
            let c = flat[(i % 16) as usize];
            let d = (i / 16 % 3 + 1) as u8;
            rgb.extend_from_slice(&[c[0].saturating_add(d), c[1].saturating_sub(d), c[2] + d]);
        }
        let width = (rgb.len() / 3) as u32;
        let bytes = indexed_png(&rgb, width, 1).unwrap();
        let (info, pixels) = decode(&bytes);
        assert_eq!(info.width, width);
        assert_eq!(pixels[..16 * 50 * 3], rgb[..16 * 50 * 3], "flat colours are exact");
        let worst = rgb.iter().zip(&pixels).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        assert!(worst <= 6, "{worst}");
    }

    #[test]
    fn a_wrong_sized_buffer_is_refused() {
        assert!(matches!(indexed_png(&[0; 5], 1, 2), Err(ChartError::Buffer)));
    }
}
