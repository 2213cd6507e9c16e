//! Charts an assistant can show: PNG images drawn in-process.
//!
//! Each chart has two pure halves: `prepare` turns plain model values
//! (athlete, activity summaries, sleep, recovery) into a series struct, and
//! `render` turns the series into PNG bytes. The tools in
//! `crate::tools::charts` only fetch the data and call both, so the charts
//! test without a server and work for any provider.
//!
//! Drawing uses plotters' bitmap backend with the bundled font
//! ([`style`]); [`encode`] writes the pixels as a small indexed PNG.
//!
//! Layout:
//! - [`load`]: fitness, fatigue and form over time, with daily load.
//! - [`volume`]: weekly moving time, stacked by sport.
//! - [`wellness`]: nightly sleep stages, and morning recovery score and HRV.

mod encode;
pub mod load;
mod style;
pub mod volume;
pub mod wellness;

use plotters::coord::Shift;
use plotters::prelude::*;

/// Image size: wide enough for a year of days, and about the size chat
/// clients show an image at, so 14–24 px text stays readable.
pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 560;

/// A drawing area over the chart's pixel buffer.
pub type Canvas<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Why a chart could not be drawn. None of these comes from the data: an
/// empty or odd series draws as a labelled chart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    #[error("the bundled chart font did not load")]
    Font,
    #[error("drawing the chart failed")]
    Draw(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the pixel buffer does not match the image size")]
    Buffer,
    #[error("encoding the chart as PNG failed")]
    Encode(#[from] png::EncodingError),
}

/// Boxes a plotters error (generic over the backend) as [`ChartError::Draw`].
pub(crate) fn draw_error<E>(error: DrawingAreaErrorKind<E>) -> ChartError
where
    E: std::error::Error + Send + Sync + 'static,
{
    ChartError::Draw(Box::new(error))
}

/// Draws on a white [`WIDTH`] × [`HEIGHT`] canvas and returns the PNG.
///
/// # Errors
/// Whatever `draw` returns, and [`ChartError`] from the font or encoder.
pub(crate) fn render_png(draw: impl FnOnce(&Canvas<'_>) -> Result<(), ChartError>) -> Result<Vec<u8>, ChartError> {
    style::register()?;
    let mut pixels = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    encode::indexed_png(&pixels, WIDTH, HEIGHT)
}

/// Test helpers: decode a chart and measure it.
#[cfg(test)]
pub(crate) mod testing {
    use pierre_shared::providers::synthetic::Synthetic;

    /// The synthetic history every chart test draws (seed 42, fixed clock).
    pub fn synthetic() -> Synthetic {
        Synthetic::generate(42, time::macros::datetime!(2025-11-23 18:00 UTC))
    }

    /// Width, height and RGB pixels of a PNG.
    pub fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        assert_eq!(info.color_type, png::ColorType::Rgb);
        (info.width, info.height, buf)
    }

    /// Variance of the pixels' brightness: a blank image has 0, a chart
    /// with lines, bars and text well over 100.
    pub fn variance(rgb: &[u8]) -> f64 {
        let values: Vec<f64> =
            rgb.chunks_exact(3).map(|p| (f64::from(p[0]) + f64::from(p[1]) + f64::from(p[2])) / 3.0).collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n
    }

    /// How many pixels have exactly this colour.
    pub fn count(rgb: &[u8], colour: plotters::style::RGBColor) -> usize {
        rgb.chunks_exact(3).filter(|p| p[0] == colour.0 && p[1] == colour.1 && p[2] == colour.2).count()
    }

    /// Writes the chart to `$PIERRE_CHART_DIR/NAME.png` when that is set,
    /// for looking at it.
    pub fn keep(name: &str, bytes: &[u8]) {
        if let Some(dir) = std::env::var_os("PIERRE_CHART_DIR") {
            let path = std::path::Path::new(&dir).join(format!("{name}.png"));
            std::fs::write(path, bytes).unwrap();
        }
    }
}
