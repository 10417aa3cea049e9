//! How the widget looks on the host page: theme, side, colour, offsets, stacking and panel size,
//! from `data-*` attributes. Pure logic; the browser glue writes [`Appearance::css_properties`]
//! as CSS custom properties on the widget's root (CSSOM, so a strict CSP allows it).

use crate::config::ConfigProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follows the visitor's system setting.
    #[default]
    Auto,
    Light,
    Dark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    #[default]
    Right,
    Left,
}

/// A colour as `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Appearance {
    pub theme: Theme,
    pub side: Side,
    /// `data-primary-color`; the stylesheet's blue when unset.
    pub primary: Option<Rgb>,
    /// `data-offset-x` / `data-offset-y`: distance from the page's side and bottom, in px.
    pub offset_x: Option<u32>,
    pub offset_y: Option<u32>,
    pub z_index: Option<i32>,
    /// `data-width` / `data-height`: the panel's size on screens wider than a phone, in px.
    pub width: Option<u32>,
    pub height: Option<u32>,
}

// The loader (loader/chat-bubble.js) checks the colour, the offsets and the z-index the same way
// for the bubble it paints before the wasm; an e2e test compares the two.
const OFFSET_RANGE: (u32, u32) = (0, 400);
const WIDTH_RANGE: (u32, u32) = (300, 800);
const HEIGHT_RANGE: (u32, u32) = (320, 1000);

/// The stylesheet's backgrounds that focus rings and the primary colour's areas sit on, per
/// theme: the panel (`--cb-bg`) and the assistant's bubbles (`--cb-assistant-bg`).
pub const LIGHT_SURFACES: [Rgb; 2] = [Rgb(0xff, 0xff, 0xff), Rgb(0xf3, 0xf4, 0xf6)];
pub const DARK_SURFACES: [Rgb; 2] = [Rgb(0x11, 0x18, 0x27), Rgb(0x1f, 0x29, 0x37)];

/// WCAG 2.2 1.4.11: a focus ring, like any control's edge, needs 3:1 against what it sits on.
const NON_TEXT_CONTRAST: f32 = 3.0;

/// Below this contrast with the panel, an area of the primary colour (the header, the visitor's
/// bubbles) no longer reads as an area of its own and gets a drawn edge.
const DISTINCT_AREA_CONTRAST: f32 = 1.5;

impl Appearance {
    /// Reads the appearance attributes; each bad value adds a problem and keeps the default.
    pub fn from_attributes<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
        problems: &mut Vec<ConfigProblem>,
    ) -> Appearance {
        let mut problem = |attribute: &'static str, message: String| {
            problems.push(ConfigProblem { attribute, message })
        };
        let set = |name: &str| get(name).filter(|v| !v.is_empty());
        let mut appearance = Appearance::default();
        if let Some(v) = set("data-theme") {
            appearance.theme = match v.to_ascii_lowercase().as_str() {
                "auto" => Theme::Auto,
                "light" => Theme::Light,
                "dark" => Theme::Dark,
                _ => {
                    problem(
                        "data-theme",
                        "must be light, dark or auto; using auto".into(),
                    );
                    Theme::Auto
                }
            };
        }
        if let Some(v) = set("data-position") {
            appearance.side = match v.to_ascii_lowercase().as_str() {
                "right" => Side::Right,
                "left" => Side::Left,
                _ => {
                    problem("data-position", "must be left or right; using right".into());
                    Side::Right
                }
            };
        }
        if let Some(v) = set("data-primary-color") {
            appearance.primary = Rgb::parse(v);
            if appearance.primary.is_none() {
                problem(
                    "data-primary-color",
                    "must be a hex colour like #2563eb; using the default".into(),
                );
            }
        }
        let mut pixels = |attribute: &'static str, (low, high): (u32, u32)| {
            let v = set(attribute)?;
            let parsed = v.strip_suffix("px").unwrap_or(v).parse::<u32>().ok();
            match parsed {
                Some(px) if (low..=high).contains(&px) => Some(px),
                _ => {
                    problem(
                        attribute,
                        format!("must be whole pixels from {low} to {high}; using the default"),
                    );
                    None
                }
            }
        };
        appearance.offset_x = pixels("data-offset-x", OFFSET_RANGE);
        appearance.offset_y = pixels("data-offset-y", OFFSET_RANGE);
        appearance.width = pixels("data-width", WIDTH_RANGE);
        appearance.height = pixels("data-height", HEIGHT_RANGE);
        if let Some(v) = set("data-z-index") {
            appearance.z_index = v.parse::<i32>().ok();
            if appearance.z_index.is_none() {
                problem(
                    "data-z-index",
                    "must be a whole number; using the default".into(),
                );
            }
        }
        appearance
    }

    /// The custom properties the stylesheet reads, for the values that differ from its defaults.
    pub fn css_properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(primary) = self.primary {
            out.push(("--cb-primary", primary.to_hex()));
            out.push(("--cb-on-primary", primary.readable_text().to_hex()));
            for (surfaces, ring, edge) in [
                (&LIGHT_SURFACES, "--cb-ring-light", "--cb-edge-light"),
                (&DARK_SURFACES, "--cb-ring-dark", "--cb-edge-dark"),
            ] {
                out.push((ring, primary.ring_on(surfaces).to_hex()));
                out.push((edge, primary.edge_on(surfaces).to_hex()));
            }
        }
        let px = |v: u32| format!("{v}px");
        let optional = [
            ("--cb-offset-x", self.offset_x.map(px)),
            ("--cb-offset-y", self.offset_y.map(px)),
            // Numbers: the stylesheet scales them with the visitor's text size.
            ("--cb-width", self.width.map(|v| v.to_string())),
            ("--cb-height", self.height.map(|v| v.to_string())),
            ("--cb-z", self.z_index.map(|z| z.to_string())),
        ];
        out.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        out
    }

    /// The `data-theme` value the stylesheet matches.
    pub fn theme_name(&self) -> &'static str {
        match self.theme {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The `data-position` value the stylesheet matches.
    pub fn side_name(&self) -> &'static str {
        match self.side {
            Side::Right => "right",
            Side::Left => "left",
        }
    }
}

impl Rgb {
    /// `#rgb` or `#rrggbb`, case-insensitive.
    pub fn parse(value: &str) -> Option<Rgb> {
        let hex = value.trim().strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match hex.len() {
            3 => {
                let d = |i: usize| channel(&hex[i..i + 1]).map(|v| v * 17);
                Some(Rgb(d(0)?, d(1)?, d(2)?))
            }
            6 => Some(Rgb(
                channel(&hex[0..2])?,
                channel(&hex[2..4])?,
                channel(&hex[4..6])?,
            )),
            _ => None,
        }
    }

    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance as WCAG 2 defines it, 0 (black) to 1 (white).
    pub fn luminance(self) -> f32 {
        let linear = |c: u8| {
            let c = c as f32 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }

    /// WCAG contrast ratio between two colours, 1 to 21.
    pub fn contrast(self, other: Rgb) -> f32 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// This colour mixed `amount` (0 to 1) of the way towards `other`.
    pub fn mix(self, other: Rgb, amount: f32) -> Rgb {
        let channel = |a: u8, b: u8| (a as f32 + (b as f32 - a as f32) * amount).round() as u8;
        Rgb(
            channel(self.0, other.0),
            channel(self.1, other.1),
            channel(self.2, other.2),
        )
    }

    /// The focus ring's colour on `surfaces`: this colour where it shows clearly on all of them
    /// (3:1), otherwise this colour taken towards black (light surfaces) or white (dark ones),
    /// just as far as needed. The brand shows through where it can.
    pub fn ring_on(self, surfaces: &[Rgb]) -> Rgb {
        let clear = |c: Rgb| surfaces.iter().all(|&s| c.contrast(s) >= NON_TEXT_CONTRAST);
        let lightest = surfaces.iter().map(|s| s.luminance()).fold(0.0, f32::max);
        let towards = if lightest > 0.5 {
            Rgb(0, 0, 0)
        } else {
            Rgb(255, 255, 255)
        };
        (0..=20)
            .map(|step| self.mix(towards, step as f32 / 20.0))
            .find(|&c| clear(c))
            .unwrap_or(towards)
    }

    /// The edge drawn around the primary colour's areas on `surfaces`: none (the colour itself)
    /// where the area stands out, otherwise a line that does (the ring's colour).
    pub fn edge_on(self, surfaces: &[Rgb]) -> Rgb {
        let distinct = surfaces
            .iter()
            .all(|&s| self.contrast(s) >= DISTINCT_AREA_CONTRAST);
        if distinct {
            self
        } else {
            self.ring_on(surfaces)
        }
    }

    /// Black or white, whichever reads better on this colour. The better of the two always
    /// reaches at least 4.5:1.
    pub fn readable_text(self) -> Rgb {
        let (white, black) = (Rgb(255, 255, 255), Rgb(0, 0, 0));
        if self.contrast(white) >= self.contrast(black) {
            white
        } else {
            black
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> (Appearance, Vec<&'static str>) {
        let mut problems = Vec::new();
        let get = |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        let appearance = Appearance::from_attributes(get, &mut problems);
        (appearance, problems.iter().map(|p| p.attribute).collect())
    }

    #[test]
    fn every_attribute_read() {
        let (a, problems) = read(&[
            ("data-theme", "Dark"),
            ("data-position", "left"),
            ("data-primary-color", "#FFCC00"),
            ("data-offset-x", "32px"),
            ("data-offset-y", "0"),
            ("data-z-index", "-5"),
            ("data-width", "420"),
            ("data-height", "700"),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((a.theme_name(), a.side_name()), ("dark", "left"));
        let properties = a.css_properties();
        assert_eq!(
            properties
                .iter()
                .filter(|(k, _)| !k.starts_with("--cb-ring") && !k.starts_with("--cb-edge"))
                .cloned()
                .collect::<Vec<_>>(),
            vec![
                ("--cb-primary", "#ffcc00".to_owned()),
                ("--cb-on-primary", "#000000".to_owned()),
                ("--cb-offset-x", "32px".to_owned()),
                ("--cb-offset-y", "0px".to_owned()),
                ("--cb-width", "420".to_owned()),
                ("--cb-height", "700".to_owned()),
                ("--cb-z", "-5".to_owned()),
            ]
        );
    }

    #[test]
    fn bad_values_fall_back_and_say_so() {
        let (a, problems) = read(&[
            ("data-theme", "sepia"),
            ("data-position", "middle"),
            ("data-primary-color", "red; background: url(x)"),
            ("data-offset-x", "-3"),
            ("data-offset-y", "9999"),
            ("data-z-index", "top"),
            ("data-width", "50%"),
            ("data-height", "10"),
        ]);
        assert_eq!(a, Appearance::default());
        assert!(a.css_properties().is_empty());
        assert_eq!(problems.len(), 8, "{problems:?}");
    }

    #[test]
    fn colours_parse_strictly() {
        assert_eq!(Rgb::parse("#abc"), Some(Rgb(0xaa, 0xbb, 0xcc)));
        assert_eq!(Rgb::parse(" #2563EB "), Some(Rgb(0x25, 0x63, 0xeb)));
        for bad in [
            "2563eb",
            "#25g3eb",
            "#2563e",
            "#",
            "blue",
            "#+1+2+3",
            "#１２３",
        ] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_on_any_primary_colour_reaches_aa_contrast() {
        // Every 4th step of each channel: 262,144 colours.
        for r in (0..=255).step_by(4) {
            for g in (0..=255).step_by(4) {
                for b in (0..=255).step_by(4) {
                    let bg = Rgb(r as u8, g as u8, b as u8);
                    let ratio = bg.contrast(bg.readable_text());
                    assert!(ratio >= 4.5, "{bg:?}: {ratio}");
                }
            }
        }
        assert_eq!(Rgb(0x25, 0x63, 0xeb).readable_text(), Rgb(255, 255, 255));
        assert_eq!(Rgb(0xff, 0xcc, 0x00).readable_text(), Rgb(0, 0, 0));
    }

    #[test]
    fn focus_rings_show_on_both_themes_for_any_primary_colour() {
        let steps = (0..=255).step_by(15);
        for r in steps.clone() {
            for g in steps.clone() {
                for b in steps.clone() {
                    let primary = Rgb(r as u8, g as u8, b as u8);
                    for surfaces in [&LIGHT_SURFACES, &DARK_SURFACES] {
                        let ring = primary.ring_on(surfaces);
                        for &surface in surfaces {
                            assert!(
                                ring.contrast(surface) >= NON_TEXT_CONTRAST,
                                "{primary:?} ring {ring:?} on {surface:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_brand_colour_is_kept_where_it_shows_and_darkened_or_lightened_where_not() {
        let blue = Rgb(0x25, 0x63, 0xeb);
        assert_eq!(blue.ring_on(&LIGHT_SURFACES), blue);
        let yellow = Rgb(0xfd, 0xe0, 0x47);
        let ring = yellow.ring_on(&LIGHT_SURFACES);
        assert!(ring.luminance() < yellow.luminance(), "{ring:?}");
        assert_eq!(yellow.ring_on(&DARK_SURFACES), yellow);
        let near_black = Rgb(0x11, 0x11, 0x11);
        assert_eq!(near_black.ring_on(&LIGHT_SURFACES), near_black);
        assert!(near_black.ring_on(&DARK_SURFACES).luminance() > 0.2);
    }

    #[test]
    fn areas_of_a_primary_colour_like_the_panel_get_an_edge() {
        let white = Rgb(255, 255, 255);
        let edge = white.edge_on(&LIGHT_SURFACES);
        assert!(edge.contrast(white) >= NON_TEXT_CONTRAST, "{edge:?}");
        let dark = Rgb(0x11, 0x11, 0x11);
        assert!(dark.edge_on(&DARK_SURFACES).contrast(DARK_SURFACES[0]) >= NON_TEXT_CONTRAST);
        // A colour that stands out needs no edge of another colour.
        let blue = Rgb(0x25, 0x63, 0xeb);
        assert_eq!(blue.edge_on(&LIGHT_SURFACES), blue);
        assert_eq!(blue.edge_on(&DARK_SURFACES), blue);
    }
}
