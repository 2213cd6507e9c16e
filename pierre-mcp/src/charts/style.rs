//! The look every chart shares: the bundled font, colours, text sizes, the
//! title and legend strip, and date labels.
//!
//! The font is compiled in (DejaVu Sans, Bitstream Vera licence, see
//! `assets/fonts/DejaVuSans-LICENSE.txt`) and registered with plotters'
//! `ab_glyph` backend once per process: no system font is looked up, so a
//! chart renders the same on every machine, headless ones included.

use std::sync::OnceLock;

use pierre_shared::model::LocalDate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform, register_font};

use super::{Canvas, ChartError, draw_error};

/// The family name charts ask plotters for.
const FAMILY: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font, once per process.
///
/// # Errors
/// [`ChartError::Font`] if the bundled file does not parse (a build problem).
pub fn register() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Text sizes in pixels, for a 1000 × 560 image shown at about its size.
pub const TITLE_PX: u32 = 24;
pub const LEGEND_PX: u32 = 16;
pub const AXIS_DESC_PX: u32 = 16;
pub const TICK_PX: u32 = 14;

/// Height of the title and legend strip.
pub const HEADER_PX: u32 = 64;

pub const TEXT: RGBColor = RGBColor(33, 33, 33);
pub const GRID: RGBColor = RGBColor(228, 228, 228);
pub const AXIS: RGBColor = RGBColor(120, 120, 120);

/// Colour-blind-safe series colours (Okabe–Ito), in the order charts use
/// them for categories.
pub const SERIES: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // green
    RGBColor(204, 121, 167), // purple
    RGBColor(86, 180, 233),  // sky
    RGBColor(213, 94, 0),    // vermilion
    RGBColor(150, 150, 150), // grey ("other")
];

/// A text style of `px` pixels in the bundled font.
pub fn text(px: u32) -> TextStyle<'static> {
    (FAMILY, px).into_font().color(&TEXT)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    Line,
    Block,
}

/// One legend entry.
pub struct Key<'a> {
    pub label: &'a str,
    pub colour: RGBColor,
    pub swatch: Swatch,
}

/// Draws the title and a one-line legend above the plot, so the legend
/// never covers data. Returns the area left for the plot.
///
/// # Errors
/// [`ChartError::Draw`] from plotters.
pub fn header<'a>(root: &Canvas<'a>, title: &str, keys: &[Key<'_>]) -> Result<Canvas<'a>, ChartError> {
    let (top, rest) = root.split_vertically(HEADER_PX);
    top.draw(&Text::new(title.to_owned(), (16, 8), text(TITLE_PX))).map_err(draw_error)?;
    let legend = text(LEGEND_PX);
    let y = 8 + TITLE_PX as i32 + 10;
    let mut x = 18;
    for key in keys {
        match key.swatch {
            Swatch::Line => top.draw(&PathElement::new(vec![(x, y + 6), (x + 24, y + 6)], key.colour.stroke_width(3))),
            Swatch::Block => top.draw(&Rectangle::new([(x + 4, y - 1), (x + 20, y + 13)], key.colour.filled())),
        }
        .map_err(draw_error)?;
        x += 32;
        top.draw(&Text::new(key.label.to_owned(), (x, y), legend.clone())).map_err(draw_error)?;
        let (width, _) = top.estimate_text_size(key.label, &legend).map_err(draw_error)?;
        x += width as i32 + 26;
    }
    Ok(rest)
}

/// Writes a left axis's description, turned to read upwards, beside the
/// plot whose pixel rows (absolute) are `rows`.
///
/// plotters puts it at the very edge of the label area, where the bundled
/// font's glyphs, which reach above their layout box, lose a few pixels;
/// here it sits 8 px in.
///
/// # Errors
/// [`ChartError::Draw`] from plotters.
pub fn left_desc(area: &Canvas<'_>, rows: std::ops::Range<i32>, desc: &str) -> Result<(), ChartError> {
    let (_, base_y) = area.get_base_pixel();
    let middle = (rows.start + rows.end) / 2 - base_y;
    let style = text(AXIS_DESC_PX).transform(FontTransform::Rotate270).pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(desc.to_owned(), (8, middle), style)).map_err(draw_error)
}

/// A signed tick label: "+20", "0", "-10".
pub fn signed(v: f64) -> String {
    if v.abs() < 0.5 { "0".to_owned() } else { format!("{v:+.0}") }
}

/// Writes "No data" in the middle of an empty plot area, so an empty chart
/// says why it is empty instead of looking broken.
///
/// # Errors
/// [`ChartError::Draw`] from plotters.
pub fn no_data(area: &Canvas<'_>, what: &str) -> Result<(), ChartError> {
    let (w, h) = area.dim_in_pixel();
    let style = text(AXIS_DESC_PX + 4).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(what.to_owned(), (w as i32 / 2, h as i32 / 2), style)).map_err(draw_error)
}

/// The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ at or above
/// `value` (at least `floor`): an axis end that reads as a round number
/// without leaving the top third of the plot empty.
pub fn nice_ceiling(value: f64, floor: f64) -> f64 {
    let value = if value.is_finite() { value.max(floor) } else { floor };
    if value <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|v| *v >= value - 1e-9)
        .unwrap_or(10.0 * magnitude)
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "Nov 3": short enough for a tick label, and unambiguous in any locale.
pub fn short_date(day: LocalDate) -> String {
    let d = day.get();
    format!("{} {}", MONTHS[usize::from(u8::from(d.month())) - 1], d.day())
}

/// The tick label of day `x` counted from `first`, or nothing between days
/// (plotters may put ticks at fractions on a short range).
pub fn day_label(first: LocalDate, x: f64) -> String {
    if (x - x.round()).abs() > 1e-6 {
        return String::new();
    }
    short_date(first.add_days(x.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_month_and_day() {
        let first = LocalDate::parse("2025-10-30").unwrap();
        assert_eq!(short_date(first), "Oct 30");
        assert_eq!(day_label(first, 3.0), "Nov 2");
        assert_eq!(day_label(first, 2.5), "");
    }

    #[test]
    fn axis_ends_are_round() {
        assert_eq!(nice_ceiling(0.0, 10.0), 10.0);
        assert_eq!(nice_ceiling(57.0, 10.0), 60.0);
        assert_eq!(nice_ceiling(13.9, 1.0), 15.0);
        assert_eq!(nice_ceiling(21.0, 1.0), 25.0);
        assert_eq!(nice_ceiling(3.2, 1.0), 4.0);
        assert_eq!(nice_ceiling(100.0, 1.0), 100.0);
        assert_eq!(nice_ceiling(f64::NAN, 4.5), 5.0);
    }

    #[test]
    fn the_bundled_font_registers() {
        register().unwrap();
        register().unwrap();
    }
}
