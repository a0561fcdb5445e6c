//! A running Kasumi on 127.0.0.1 with a fresh SQLite database and a clock the test moves.

use std::net::SocketAddr;
use std::sync::Arc;

use kasumi_core::{FixedClock, OrgKind, Role};
use kasumi_store::{Actor, DynStore, NewOrg, NewUser, Target};
use kasumi_web::{AppConfig, AppState, password};

pub const T0: i64 = 1_764_200_000_000_000;
pub const PASSWORD: &str = "correct-horse-42";

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: DynStore,
    pub clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// A server with organisations, users `admin`, `trainee`, `trainee2`, `reviewer`, `secretary`, `operator`
    /// (password [`PASSWORD`]) and the SAMPLE control criteria `SAMPLE-1`.
    pub async fn start() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store = kasumi_store::open(&Target::DataDir(dir.path().to_path_buf()))
            .await
            .unwrap();
        let clock = Arc::new(FixedClock::new(T0));
        let hash = password::hash(PASSWORD).unwrap();
        let actor = Actor::system("test");
        let ops = store
            .create_org(
                &actor,
                T0,
                &NewOrg {
                    code: "ops".into(),
                    name: "運用".into(),
                    kind: OrgKind::Other,
                },
            )
            .await
            .unwrap();
        let city = store
            .create_org(
                &actor,
                T0,
                &NewOrg {
                    code: "saida-city".into(),
                    name: "さいだ市".into(),
                    kind: OrgKind::LocalGovernment,
                },
            )
            .await
            .unwrap();
        let committee = store
            .create_org(
                &actor,
                T0,
                &NewOrg {
                    code: "committee".into(),
                    name: "運営委員会事務局".into(),
                    kind: OrgKind::Committee,
                },
            )
            .await
            .unwrap();
        let nict = store
            .create_org(
                &actor,
                T0,
                &NewOrg {
                    code: "nict".into(),
                    name: "演習センター".into(),
                    kind: OrgKind::Nict,
                },
            )
            .await
            .unwrap();
        let ipa = store
            .create_org(
                &actor,
                T0,
                &NewOrg {
                    code: "ipa".into(),
                    name: "IPA".into(),
                    kind: OrgKind::Ipa,
                },
            )
            .await
            .unwrap();
        for (login, name, org, role) in [
            ("admin", "管理 太郎", ops.id, Role::Admin),
            ("trainee", "受講 七海", city.id, Role::Trainee),
            ("reviewer", "審査 花子", ipa.id, Role::IpaReviewer),
            ("secretary", "事務 三郎", committee.id, Role::Secretariat),
            ("operator", "演習 五郎", nict.id, Role::CyderOperator),
            ("trainee2", "受講 八郎", city.id, Role::Trainee),
        ] {
            let user = NewUser {
                login: login.into(),
                display_name: name.into(),
                org_id: org,
                role,
                password_hash: hash.clone(),
            };
            store.create_user(&actor, T0, &user).await.unwrap();
        }
        kasumi_web::catalogs::save_new(&store, &actor, T0, &kasumi_ismap::sample_catalog(), "test")
            .await
            .unwrap();
        let addr = serve(&store, &clock).await;
        TestApp {
            addr,
            store,
            clock,
            _dir: dir,
        }
    }

    /// The same database served by a fresh application, as after a restart:
    /// nothing carried over in memory.
    pub async fn restarted(&self) -> TestApp {
        TestApp {
            addr: serve(&self.store, &self.clock).await,
            store: self.store.clone(),
            clock: self.clock.clone(),
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.url(""),
        }
    }

    pub async fn audit_len(&self) -> usize {
        self.store.audit_entries(None, 100_000).await.unwrap().len()
    }

    /// A new organisation; its id.
    pub async fn org(&self, code: &str, name: &str, kind: OrgKind) -> i64 {
        let new = NewOrg {
            code: code.into(),
            name: name.into(),
            kind,
        };
        self.store
            .create_org(&Actor::system("test"), T0, &new)
            .await
            .unwrap()
            .id
    }

    /// A new account `login` (password [`PASSWORD`]) in `org` with `role`.
    pub async fn user(&self, login: &str, org: i64, role: Role) {
        let new = NewUser {
            login: login.into(),
            display_name: login.into(),
            org_id: org,
            role,
            password_hash: password::hash(PASSWORD).unwrap(),
        };
        self.store
            .create_user(&Actor::system("test"), T0, &new)
            .await
            .unwrap();
    }

    /// A client signed in as `login` (password [`PASSWORD`]).
    pub async fn signed_in(&self, login: &str) -> Client {
        let c = self.client();
        let page = c.login(login, PASSWORD).await;
        assert_eq!(page.status, 303, "{login} signs in");
        c
    }
}

/// The text of the element with `id="…"` up to its first inner tag.
pub fn element(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} on the page"));
    let rest = &body[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    rest[open..open + close].to_string()
}

async fn serve(store: &DynStore, clock: &Arc<FixedClock>) -> SocketAddr {
    let state = AppState::new(
        store.clone(),
        clock.clone(),
        AppConfig {
            demo: true,
            ..AppConfig::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(kasumi_web::serve(listener, state, std::future::pending()));
    addr
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a form") + marker.len();
        self.body[start..start + 43].to_string()
    }
}

impl Client {
    async fn page(res: reqwest::Response) -> Page {
        Page {
            status: res.status().as_u16(),
            location: res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string()),
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts an action form like [`Client::post`] and, as a browser does,
    /// follows the 303 back to the page, which shows what was done; a
    /// refusal is the page itself with its status. The status of the
    /// redirect is checked: a successful action answers 303, never 200.
    pub async fn act(&self, path: &str, from: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.post(path, from, fields).await;
        self.follow(page).await
    }

    pub async fn follow(&self, page: Page) -> Page {
        assert_ne!(
            page.status, 200,
            "an action answers 303 or an error, not 200"
        );
        match (page.status, &page.location) {
            (303, Some(to)) => self.get(to).await,
            _ => page,
        }
    }

    /// Posts a form with the CSRF token taken from `from` (a page of this site).
    pub async fn post(&self, path: &str, from: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(from).await.csrf();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form).await
    }

    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a multipart form as the application forms do (the CSRF token of
    /// `from` in the URL). A field named `att_…` is sent as a file named by
    /// its value, with a few bytes of PDF-like content.
    pub async fn post_files(&self, path: &str, from: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(from).await.csrf();
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = if k.starts_with("att_") {
                let bytes = format!("%PDF-1.7 {v}").into_bytes();
                form.part(
                    k.to_string(),
                    reqwest::multipart::Part::bytes(bytes).file_name(v.to_string()),
                )
            } else {
                form.text(k.to_string(), v.to_string())
            };
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        Self::page(
            self.http
                .post(format!("{}{path}{sep}csrf_token={token}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Uploads a file as the catalog import form does (multipart, token in the URL).
    pub async fn upload(&self, name: &str, bytes: Vec<u8>, fields: &[(&str, &str)]) -> Page {
        let token = self.get("/catalog").await.csrf();
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        Self::page(
            self.http
                .post(format!("{}/catalog/import?csrf_token={token}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Page {
        self.post(
            "/login",
            "/login",
            &[("login", login), ("password", password)],
        )
        .await
    }
}
