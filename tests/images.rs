//! Screenshots (issue 15, first part): every published image of the site
//! carries its intrinsic `width` and `height` (so the page does not jump as
//! it loads), lazy loading after the first, and an image over
//! `images.max_bytes` is said. Real PNGs, the real binary, a real server.

mod common;

use common::{STEPS, Serve, SiteFixture, assert_exit, check_json, line_of, png};

const BODY: &str = "![The Members page](meta/members.png)\n\n\
                    ![The Invite dialog](meta/invite.png \"Invite\")\n";

fn site() -> SiteFixture {
    let site = SiteFixture::new();
    site.guide("meta", &format!("{STEPS}\n{BODY}"));
    site.file("content/meta/members.png", png(640, 360));
    site.file("content/meta/invite.png", png(300, 200));
    site
}

#[test]
fn images_carry_their_size_and_load_lazily_after_the_first() {
    let site = site();
    assert_exit(&site.run(&["build"]), 0);
    // Raw HTML elsewhere sends the body through the sanitiser: the
    // attributes must survive it.
    let sanitised = SiteFixture::new();
    sanitised.guide(
        "meta",
        &format!("{STEPS}\n{BODY}\n<div>\n\nWrapped.\n\n</div>\n"),
    );
    sanitised.file("content/meta/members.png", png(640, 360));
    sanitised.file("content/meta/invite.png", png(300, 200));
    assert_exit(&sanitised.run(&["build"]), 0);
    let files = ["dist/meta/index.html", "dist/embed/meta.html"];
    let pages = files
        .iter()
        .flat_map(|file| [(file, site.read(file)), (file, sanitised.read(file))]);
    for (file, html) in pages {
        assert!(
            html.contains(
                "<img src=\"/meta/members.png\" alt=\"The Members page\" width=\"640\" height=\"360\">"
            ),
            "{file}: {html}"
        );
        assert!(
            html.contains(
                "<img src=\"/meta/invite.png\" alt=\"The Invite dialog\" title=\"Invite\" \
                 width=\"300\" height=\"200\" loading=\"lazy\" decoding=\"async\">"
            ),
            "{file}: {html}"
        );
    }
}

#[test]
fn the_manifest_lists_each_guides_images_for_the_portal_to_preload() {
    let site = site();
    assert_exit(
        &site.run(&["build", "--base-url", "https://help.agency.test/"]),
        0,
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&site.read("dist/manifest.json")).unwrap();
    let images = &manifest["guides"][0]["images"];
    let members = png(640, 360);
    let expected_hash = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&members))
    };
    assert_eq!(
        images[0],
        serde_json::json!({
            "url": "https://help.agency.test/meta/members.png",
            "width": 640,
            "height": 360,
            "hash": expected_hash,
        })
    );
    assert_eq!(images[1]["url"], "https://help.agency.test/meta/invite.png");
    assert_eq!(images.as_array().unwrap().len(), 2);
}

#[test]
fn a_file_that_is_not_an_image_is_a_broken_link_at_its_line() {
    for (what, bytes) in [
        ("text saved as .png", b"not a PNG at all".to_vec()),
        ("a PNG cut short", png(640, 360)[..20].to_vec()),
    ] {
        let site = site();
        site.file("content/meta/members.png", &bytes);
        let run = check_json(site.path(), &["--offline"]);
        let text = site.read("content/meta.md");
        assert_eq!(
            run.codes_at(),
            [(
                "link/broken".to_string(),
                line_of(&text, "members.png") as u64
            )],
            "{what}: {:?}",
            run.diagnostics
        );
        let message = run.diagnostics[0]["message"].as_str().unwrap();
        assert!(message.contains("not an image"), "{what}: {message}");
        assert_exit(&site.run(&["build"]), 1);
    }
}

#[test]
fn an_image_over_the_budget_is_said_at_its_line() {
    let site = site();
    let members = png(640, 360).len();
    let invite = png(300, 200).len();
    assert!(members > invite);
    // A budget between the two sizes: only the larger is said.
    site.site_yaml(&format!("images:\n  max_bytes: {}\n", invite + 1));
    let run = check_json(site.path(), &["--offline"]);
    let text = site.read("content/meta.md");
    assert_eq!(
        run.codes_at(),
        [(
            "image/too-large".to_string(),
            line_of(&text, "members.png") as u64
        )],
        "{:?}",
        run.diagnostics
    );
    assert_eq!(run.code, 0, "a warning");
    site.site_yaml("");
    assert!(
        check_json(site.path(), &["--offline"])
            .diagnostics
            .is_empty()
    );
}

#[test]
fn serve_measures_a_replaced_image_again() {
    let site = site();
    let server = Serve::start(&site);
    assert!(
        server
            .get("/meta/")
            .text()
            .contains("width=\"640\" height=\"360\"")
    );
    site.file("content/meta/members.png", png(800, 450));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if server
            .get("/meta/")
            .text()
            .contains("width=\"800\" height=\"450\"")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new size never showed: {}",
            server.log_tail(20)
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A site whose variants are 200 and 400 pixels wide (small images keep a
/// debug build quick): a 600-pixel screenshot gets both, a 300-pixel one
/// the 200 only, a 150-pixel one none.
fn responsive_site(body: &str) -> SiteFixture {
    let site = SiteFixture::new();
    site.site_yaml("images:\n  widths: [400, 200]\n");
    site.guide("meta", &format!("{STEPS}\n{body}"));
    site.file("content/meta/members.png", png(600, 338));
    site.file("content/meta/invite.png", png(300, 200));
    site.file("content/meta/icon.png", png(150, 100));
    site
}

const RESPONSIVE: &str = "![The Members page](meta/members.png)\n\n\
                          ![The Invite dialog](meta/invite.png)\n\n\
                          ![An icon](meta/icon.png)\n\n\
                          [![Linked already](meta/members.png)](https://ads.agency.test/)\n\n\
                          <p><img src=\"meta/members.png\" alt=\"Raw\"></p>\n";

/// The published variants of `content/meta/<stem>.png`: width → (path, bytes).
fn variants_of(
    site: &SiteFixture,
    stem: &str,
) -> std::collections::BTreeMap<u32, (String, Vec<u8>)> {
    let dir = site.path().join("dist/meta");
    std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let rest = name.strip_prefix(&format!("{stem}."))?;
            let (hash, width) = rest.strip_suffix("w.webp")?.split_once('.')?;
            assert!(
                hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
                "{name}"
            );
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            Some((width.parse().unwrap(), (format!("meta/{name}"), bytes)))
        })
        .collect()
}

#[test]
fn wider_images_offer_webp_variants_and_link_to_the_original() {
    let site = responsive_site(RESPONSIVE);
    let base = "https://help.agency.test/";
    assert_exit(&site.run(&["build", "--base-url", base]), 0);
    let members = variants_of(&site, "members");
    assert_eq!(members.keys().copied().collect::<Vec<_>>(), [200, 400]);
    // Never enlarged: 300 pixels get the 200 only, 150 none.
    assert_eq!(
        variants_of(&site, "invite")
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [200]
    );
    assert!(variants_of(&site, "icon").is_empty());
    for (width, height) in [(200, 113), (400, 225)] {
        let (_, bytes) = &members[&width];
        let decoded =
            image::load_from_memory_with_format(bytes, image::ImageFormat::WebP).expect("a WebP");
        assert_eq!((decoded.width(), decoded.height()), (width, height));
    }
    let srcset = format!(
        "srcset=\"{base}{} 200w, {base}{} 400w, {base}meta/members.png 600w\" \
         sizes=\"(min-width: 52rem) 50rem, calc(100vw - 2rem)\"",
        members[&200].0, members[&400].0
    );
    for file in ["dist/meta/index.html", "dist/embed/meta.html"] {
        let html = site.read(file);
        // Absolute in the embed and the page alike, as base_url is.
        let shown = format!(
            "<a class=\"guidesite-zoom\" href=\"{base}meta/members.png\">\
             <img src=\"{base}meta/members.png\" alt=\"The Members page\" width=\"600\" height=\"338\" {srcset}></a>"
        );
        assert!(html.contains(&shown), "{file}: {html}");
        // An image in the author's own link is not wrapped in another.
        let linked = format!(
            "<a href=\"https://ads.agency.test/\"><img src=\"{base}meta/members.png\" alt=\"Linked already\" \
             width=\"600\" height=\"338\" loading=\"lazy\" decoding=\"async\" {srcset}></a>"
        );
        assert!(html.contains(&linked), "{file}: {html}");
        // Raw HTML gets the same attributes.
        let raw = format!(
            "<img src=\"{base}meta/members.png\" width=\"600\" height=\"338\" loading=\"lazy\" \
             decoding=\"async\" {srcset} alt=\"Raw\">"
        );
        assert!(html.contains(&raw), "{file}: {html}");
        let icon = format!(
            "<img src=\"{base}meta/icon.png\" alt=\"An icon\" width=\"150\" height=\"100\" \
             loading=\"lazy\" decoding=\"async\">"
        );
        assert!(html.contains(&icon), "{file}: {html}");
    }
}

#[test]
fn variants_are_the_same_bytes_every_build_and_come_from_the_cache() {
    let site = responsive_site(RESPONSIVE);
    assert_exit(&site.run(&["build"]), 0);
    let first = variants_of(&site, "members");
    let cache = site.path().join(".guidesite/cache/images");
    let cached: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".webp"))
        .collect();
    assert_eq!(cached.len(), 3, "{cached:?}");
    // From scratch again: the same bytes.
    std::fs::remove_dir_all(site.path().join(".guidesite")).unwrap();
    assert_exit(&site.run(&["build"]), 0);
    assert_eq!(variants_of(&site, "members"), first);
    // A rebuild takes them from the cache: a cached entry changed (to
    // another whole WebP) is what gets published.
    let (_, narrow) = &first[&200];
    let (_, wide) = &first[&400];
    let entry = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read(p).is_ok_and(|b| b == *narrow))
        .expect("the 200-pixel variant is cached");
    std::fs::write(&entry, wide).unwrap();
    assert_exit(&site.run(&["build"]), 0);
    assert_eq!(&variants_of(&site, "members")[&200].1, wide);
    // A cut entry is not trusted: the variant is made again.
    std::fs::write(&entry, &wide[..wide.len() / 2]).unwrap();
    assert_exit(&site.run(&["build"]), 0);
    assert_eq!(variants_of(&site, "members"), first);
}

#[test]
fn an_image_whose_pixels_are_cut_short_is_a_broken_link() {
    let site = responsive_site("![The Members page](meta/members.png)\n");
    let whole = png(600, 338);
    // The header is whole, so its size reads; the pixel data is not.
    site.file("content/meta/members.png", &whole[..whole.len() - 200]);
    for args in [&["--offline"][..], &["--offline", "--no-cache"][..]] {
        let run = check_json(site.path(), args);
        assert_eq!(
            run.codes_at(),
            [(
                "link/broken".to_string(),
                line_of(&site.read("content/meta.md"), "members.png") as u64
            )],
            "{:?}",
            run.diagnostics
        );
        let message = run.diagnostics[0]["message"].as_str().unwrap();
        assert!(message.contains("cut short or damaged"), "{message}");
    }
    assert_exit(&site.run(&["build"]), 1);
}

#[test]
fn an_animation_gets_no_still_variants() {
    let site = responsive_site("![Inviting, step by step](meta/flow.gif)\n");
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        for shade in [0u8, 255] {
            let frame = image::RgbaImage::from_pixel(600, 338, image::Rgba([shade, 0, 0, 255]));
            encoder.encode_frame(image::Frame::new(frame)).unwrap();
        }
    }
    site.file("content/meta/flow.gif", &gif);
    assert_exit(&site.run(&["build"]), 0);
    let page = site.read("dist/meta/index.html");
    assert!(
        page.contains("<img src=\"/meta/flow.gif\" alt=\"Inviting, step by step\" width=\"600\" height=\"338\">"),
        "{page}"
    );
    assert!(variants_of(&site, "flow").is_empty());
    assert!(
        !variants_of(&site, "members").is_empty(),
        "the still one next to it has them"
    );
}

#[test]
fn images_widths_is_checked_where_written() {
    let site = responsive_site(RESPONSIVE);
    site.site_yaml("title: Help\nimages:\n  widths: [800, 0]\n");
    let run = site.run(&["build"]);
    assert_exit(&run, 2);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("site.yaml:3"), "{stderr}");
    assert!(
        stderr.contains("0 is not a width between 16 and 8192"),
        "{stderr}"
    );
    // An empty list turns variants off.
    site.site_yaml("images:\n  widths: []\n");
    assert_exit(&site.run(&["build"]), 0);
    assert!(variants_of(&site, "members").is_empty());
    assert!(!site.read("dist/meta/index.html").contains("srcset"));
}

#[test]
fn serve_makes_a_variant_when_the_page_asks_for_it() {
    let site = responsive_site(RESPONSIVE);
    let server = Serve::start(&site);
    let page = server.get("/meta/").text();
    let start = page.find("srcset=\"/").expect("a srcset") + "srcset=\"".len();
    let url = page[start..].split(' ').next().unwrap().to_string();
    assert!(url.ends_with(".200w.webp"), "{url}");
    let variant = server.get(&url);
    assert_eq!(variant.status, 200, "{}", server.log_tail(20));
    assert_eq!(variant.header("content-type"), Some("image/webp"));
    let decoded = image::load_from_memory(&variant.body).expect("a WebP");
    assert_eq!((decoded.width(), decoded.height()), (200, 113));
    // No build ran: the server made it, and keeps it in the cache.
    assert!(!site.path().join("dist").exists());
    assert!(site.path().join(".guidesite/cache/images").is_dir());
}

#[test]
fn a_clean_svg_is_published_sized_and_one_with_script_is_not() {
    let site = SiteFixture::new();
    site.guide(
        "meta",
        &format!(
            "{STEPS}\n![The access flow](meta/flow.svg)\n\n![Tracked](meta/tracked.svg)\n\n\
             <p><img src=\"meta/tracked.svg\" alt=\"Raw\"></p>\n"
        ),
    );
    site.file(
        "content/meta/flow.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"320\" height=\"180\">\
         <rect width=\"320\" height=\"180\" fill=\"#eef\"/></svg>\n",
    );
    site.file(
        "content/meta/tracked.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">\n  <script>alert(1)</script>\n</svg>\n",
    );
    let run = check_json(site.path(), &["--offline"]);
    let text = site.read("content/meta.md");
    assert_eq!(
        run.codes_at(),
        [
            (
                "html/dropped".to_string(),
                line_of(&text, "(meta/tracked.svg)") as u64
            ),
            (
                "html/dropped".to_string(),
                line_of(&text, "alt=\"Raw\"") as u64
            ),
        ],
        "{:?}",
        run.diagnostics
    );
    let message = run.diagnostics[0]["message"].as_str().unwrap();
    assert!(
        message.contains("a <script> element at line 2, column 3"),
        "{message}"
    );
    // A warning: the site builds, without the refused file or a request for it.
    assert_exit(&site.run(&["build"]), 0);
    assert!(site.path().join("dist/meta/flow.svg").is_file());
    assert!(!site.path().join("dist/meta/tracked.svg").exists());
    for file in ["dist/meta/index.html", "dist/embed/meta.html"] {
        let html = site.read(file);
        assert!(
            html.contains(
                "<img src=\"/meta/flow.svg\" alt=\"The access flow\" width=\"320\" height=\"180\">"
            ),
            "{file}: {html}"
        );
        assert!(!html.contains("tracked.svg"), "{file}: {html}");
        assert!(html.contains("Tracked"), "the alt text shows: {html}");
    }
    // Not an SVG at all is a broken link, as a damaged PNG is.
    site.file("content/meta/flow.svg", "<svg width=\"1\"");
    let run = check_json(site.path(), &["--offline"]);
    let broken: Vec<_> = run
        .found()
        .into_iter()
        .filter(|(code, _, _)| code == "link/broken")
        .collect();
    assert_eq!(broken.len(), 1, "{:?}", run.diagnostics);
    assert!(
        broken[0].2.contains("not a readable SVG"),
        "{}",
        broken[0].2
    );
}

#[test]
fn jpeg_and_webp_screenshots_get_variants_too() {
    let site = responsive_site(
        "![A photo of the form](meta/photo.jpg)\n\n![A WebP capture](meta/capture.webp)\n",
    );
    let picture = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(600, 338, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    }));
    for (file, format) in [
        ("content/meta/photo.jpg", image::ImageFormat::Jpeg),
        ("content/meta/capture.webp", image::ImageFormat::WebP),
    ] {
        let mut bytes = Vec::new();
        picture
            .write_to(&mut std::io::Cursor::new(&mut bytes), format)
            .unwrap();
        site.file(file, bytes);
    }
    assert_exit(&site.run(&["build"]), 0);
    let page = site.read("dist/meta/index.html");
    for stem in ["photo", "capture"] {
        let variants = variants_of(&site, stem);
        assert_eq!(
            variants.keys().copied().collect::<Vec<_>>(),
            [200, 400],
            "{stem}"
        );
        assert!(page.contains(&variants[&400].0), "{stem}: {page}");
    }
    assert!(
        page.contains("alt=\"A photo of the form\" width=\"600\" height=\"338\""),
        "{page}"
    );
}
