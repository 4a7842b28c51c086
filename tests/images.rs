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
