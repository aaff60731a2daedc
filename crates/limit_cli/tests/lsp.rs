//! `limit lsp` driven as an editor drives it: JSON-RPC messages with
//! `Content-Length` framing over the server's stdin and stdout. Every reply
//! is checked by value.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

struct Client {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    /// Notifications read while waiting for something else.
    pending: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_limit"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start limit lsp");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        Client {
            child,
            input,
            output,
            pending: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.input.flush().expect("flush");
    }

    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.read();
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
            self.pending.push(message);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next `publishDiagnostics` for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        loop {
            let found = self.pending.iter().position(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
            });
            if let Some(i) = found {
                return self.pending.remove(i)["params"]["diagnostics"].clone();
            }
            let message = self.read();
            self.pending.push(message);
        }
    }

    fn read(&mut self) -> Value {
        let mut length = None;
        loop {
            let mut line = String::new();
            let n = self.output.read_line(&mut line).expect("read a header");
            assert!(n > 0, "the server closed its output");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.expect("a Content-Length header")];
        self.output.read_exact(&mut body).expect("read a body");
        serde_json::from_slice(&body).expect("a JSON body")
    }
}

fn scratch_uri(name: &str, text: &str) -> String {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lsp");
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create a scratch folder");
    }
    std::fs::write(&path, text).expect("write");
    format!("file://{}", path.display())
}

#[test]
fn an_editor_session_from_initialize_to_exit() {
    let mut client = Client::start();
    let init = client.request(1, "initialize", json!({"capabilities": {}}));
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["textDocumentSync"], json!(2), "{init}");
    assert_eq!(caps["hoverProvider"], json!(true));
    assert_eq!(caps["documentSymbolProvider"], json!(true));
    assert_eq!(caps["documentFormattingProvider"], json!(true));
    assert_eq!(
        caps["completionProvider"]["triggerCharacters"],
        json!(["."])
    );
    client.notify("initialized", json!({}));

    let text = "frame P {\n    pub age: int;\n    pub fn older(by: int): int { return age + by; }\n}\nvar p = P(40)\nvar n: int = \"s\"\nprint(p.older(2))\n";
    let uri = scratch_uri("main.lm", text);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "limit", "version": 1, "text": text}}),
    );
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(
        diagnostics.as_array().map(Vec::len),
        Some(1),
        "{diagnostics}"
    );
    assert_eq!(diagnostics[0]["severity"], json!(1));
    assert_eq!(
        diagnostics[0]["range"],
        json!({"start": {"line": 5, "character": 13}, "end": {"line": 5, "character": 16}})
    );
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expects `int`, found `str`")),
        "{diagnostics}"
    );

    // An incremental edit fixes it: `"s"` becomes `7`.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{
                "range": {"start": {"line": 5, "character": 13}, "end": {"line": 5, "character": 16}},
                "text": "7"
            }]
        }),
    );
    assert_eq!(client.diagnostics(&uri), json!([]));

    // Hover on `p` in `print(p.older(2))`: its type; on the method called
    // and on a frame where it is constructed: the declaration's header.
    // (request id, line, character, what is shown, the name's range)
    for (id, line, character, shown, (start, end)) in [
        (2, 6, 6, "P", (6, 7)),
        (3, 6, 10, "pub fn older(by: int): int", (8, 13)),
        (10, 4, 8, "frame P", (8, 9)),
    ] {
        let hover = client.request(
            id,
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        assert_eq!(
            hover["result"],
            json!({
                "contents": {"kind": "markdown", "value": format!("```limit\n{shown}\n```")},
                "range": {
                    "start": {"line": line, "character": start},
                    "end": {"line": line, "character": end}
                }
            }),
            "{hover}"
        );
    }

    let symbols = client.request(
        4,
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols["result"]
        .as_array()
        .expect("symbols")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["P", "p", "n"]);
    let members: Vec<&str> = symbols["result"][0]["children"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(members, ["age", "older"]);
    assert_eq!(symbols["result"][0]["kind"], json!(5)); // Class

    // Completion after `p.` lists the frame's fields and methods.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 3},
            "contentChanges": [{
                "range": {"start": {"line": 6, "character": 0}, "end": {"line": 6, "character": 17}},
                "text": "p."
            }]
        }),
    );
    let completion = client.request(
        8,
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": 2}}),
    );
    let items = labels_and_kinds(&completion);
    assert_eq!(items, [("age", 5), ("older", 2)], "{completion}"); // Field, Method

    // Formatting replaces the whole text with its canonical layout.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 4},
            "contentChanges": [{"text": "var a=1; print(a+1)\n"}]
        }),
    );
    let edits = client.request(
        5,
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        edits["result"][0]["newText"],
        json!("var a = 1;\nprint(a + 1)\n")
    );

    // Signature help inside a call's parentheses.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 5},
            "contentChanges": [{"text": "fn area(w: int, h: int): int { return w * h; }\nprint(area(2, \n"}]
        }),
    );
    let help = client.request(
        9,
        "textDocument/signatureHelp",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 14}}),
    );
    assert_eq!(
        help["result"],
        json!({
            "signatures": [{
                "label": "area(w, h)",
                "parameters": [{"label": "w"}, {"label": "h"}],
                "activeParameter": 1
            }],
            "activeSignature": 0,
            "activeParameter": 1
        })
    );

    let unknown = client.request(6, "textDocument/prepareCallHierarchy", json!({}));
    assert_eq!(unknown["error"]["code"], json!(-32601));

    let shutdown = client.request(7, "shutdown", json!(null));
    assert_eq!(shutdown["result"], json!(null));
    client.notify("exit", json!(null));
    let status = client.child.wait().expect("wait for the server");
    assert!(status.success());
}

#[test]
fn a_file_with_a_syntax_error_still_gets_answers() {
    let mut client = Client::start();
    client.request(1, "initialize", json!({"capabilities": {}}));
    client.notify("initialized", json!({}));
    let text = "fn ok(): int { return 1; }\nvar = 3\nfn later(): str { return \"x\"; }\n";
    let uri = scratch_uri("broken.lm", text);
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "limit", "version": 1, "text": text}}),
    );
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({"line": 1, "character": 4})
    );
    let symbols = client.request(
        2,
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols["result"]
        .as_array()
        .expect("symbols")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["ok", "later"]);
    let hover = client.request(
        3,
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 6}}),
    );
    assert_eq!(hover["result"], json!(null));
    assert!(hover.get("error").is_none(), "{hover}");
    // Formatting a file that does not parse changes nothing.
    let edits = client.request(
        4,
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(edits["result"], json!(null));
    client.request(5, "shutdown", json!(null));
    client.notify("exit", json!(null));
    assert!(client.child.wait().expect("wait").success());
}

/// The line and character (UTF-16; the texts here are ASCII) of the
/// `nth` occurrence of `needle` in `text`, plus `shift` characters.
fn position_of(text: &str, needle: &str, nth: usize, shift: usize) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .map(|(at, _)| at + shift)
        .unwrap_or_else(|| panic!("no occurrence {nth} of {needle}"));
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |n| n + 1);
    json!({"line": line, "character": column})
}

/// The (label, kind) of each item of a completion reply.
fn labels_and_kinds(completion: &Value) -> Vec<(&str, i64)> {
    completion["result"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| Some((i["label"].as_str()?, i["kind"].as_i64()?)))
        .collect()
}

/// The ranges' starts of `locations`, as (uri, line, character).
fn starts(locations: &Value) -> Vec<(String, u64, u64)> {
    let mut found: Vec<(String, u64, u64)> = locations
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {locations}"))
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap_or_default().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap_or(u64::MAX),
                l["range"]["start"]["character"]
                    .as_u64()
                    .unwrap_or(u64::MAX),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn definition_references_and_rename_follow_the_bindings_across_files() {
    let geometry = "// Width times height.\nfn area(w: int, h: int): int { return w * h; }\n";
    let main = "import geometry\n\
                frame Counter {\n    pub var count: int = 0\n    pub fn bump(by: int) {\n        count = count + by\n    }\n}\n\
                enum Light { Red, Green }\n\
                fn twice(n: int): int {\n    var doubled = n * 2\n    return doubled\n}\n\
                var c = Counter()\nc.bump(twice(3))\nprint(c.count)\nprint(geometry.area(2, 3))\nvar l = Light.Red\n";
    let geometry_uri = scratch_uri("nav/geometry.lm", geometry);
    let uri = scratch_uri("nav/main.lm", main);
    let mut client = Client::start();
    let init = client.request(1, "initialize", json!({"capabilities": {}}));
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["definitionProvider"], json!(true), "{init}");
    assert_eq!(caps["referencesProvider"], json!(true));
    assert_eq!(caps["renameProvider"], json!(true));
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "limit", "version": 1, "text": main}}),
    );
    assert_eq!(client.diagnostics(&uri), json!([]));
    let at = |needle: &str, nth: usize| json!({"textDocument": {"uri": uri}, "position": position_of(main, needle, nth, 1)});

    // A local: from its use to its declaration.
    let found = client.request(2, "textDocument/definition", at("doubled", 1));
    assert_eq!(
        found["result"]["range"]["start"],
        position_of(main, "doubled", 0, 0),
        "{found}"
    );
    // A function of the imported module, through its namespace.
    let found = client.request(3, "textDocument/definition", at("area", 0));
    assert_eq!(found["result"]["uri"], json!(geometry_uri), "{found}");
    assert_eq!(
        found["result"]["range"]["start"],
        position_of(geometry, "area", 0, 0)
    );

    // Hover on it shows its signature and the comment above it.
    let hover = client.request(20, "textDocument/hover", at("area", 0));
    assert_eq!(
        hover["result"]["contents"]["value"],
        json!("```limit\nfn area(w: int, h: int): int\n```\n\nWidth times height."),
        "{hover}"
    );
    // Completion after the module's name lists what it exports.
    let mut params = at("geometry.area", 0);
    params["position"] = position_of(main, "geometry.area", 0, "geometry.".len());
    let completion = client.request(21, "textDocument/completion", params);
    let items = labels_and_kinds(&completion);
    assert_eq!(items, [("area", 3)], "{completion}"); // Function

    // A module's name, where it is imported and where it is used, leads
    // to its file.
    for (id, needle, shift) in [(22, "import geometry", 9), (23, "geometry.area", 2)] {
        let mut params = at(needle, 0);
        params["position"] = position_of(main, needle, 0, shift);
        let found = client.request(id, "textDocument/definition", params);
        assert_eq!(
            found["result"],
            json!({"uri": geometry_uri, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}}),
            "{found}"
        );
    }

    // A call that does not fit the other module's function is reported
    // where it is made; undoing the edit clears it.
    let broken = main.replace("geometry.area(2, 3)", "geometry.area(\"2\", 3)");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(
        diagnostics.as_array().map(Vec::len),
        Some(1),
        "{diagnostics}"
    );
    assert_eq!(
        diagnostics[0]["range"]["start"],
        position_of(&broken, "\"2\"", 0, 0),
        "{diagnostics}"
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": main}]}),
    );
    assert_eq!(client.diagnostics(&uri), json!([]));

    // A field: its declaration, the method's bare uses, `c.count`.
    let mut params = at("c.count", 0);
    params["position"] = position_of(main, "c.count", 0, 3);
    params["context"] = json!({"includeDeclaration": true});
    let refs = client.request(4, "textDocument/references", params);
    let expected: Vec<(String, u64, u64)> = [("count: int", 0), ("count = ", 0), ("count + ", 0)]
        .iter()
        .map(|(needle, nth)| position_of(main, needle, *nth, 0))
        .chain([position_of(main, "c.count", 0, 2)])
        .map(|p| {
            (
                uri.clone(),
                p["line"].as_u64().unwrap_or(0),
                p["character"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(starts(&refs["result"]), expected, "{refs}");

    // A variant, without its declaration.
    let mut params = at("Light.Red", 0);
    params["position"] = position_of(main, "Light.Red", 0, 7);
    params["context"] = json!({"includeDeclaration": false});
    let refs = client.request(5, "textDocument/references", params);
    let red = position_of(main, "Light.Red", 0, 6);
    assert_eq!(
        starts(&refs["result"]),
        [(
            uri.clone(),
            red["line"].as_u64().unwrap_or(0),
            red["character"].as_u64().unwrap_or(0)
        )]
    );

    // Renaming a parameter edits its declaration and its use only.
    let mut params = at("n: int", 0);
    params["newName"] = json!("count");
    let edit = client.request(6, "textDocument/rename", params);
    let edits = edit["result"]["changes"][&uri]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edits.len(), 2, "{edit}");
    assert!(edits.iter().all(|e| e["newText"] == "count"));
    // Renaming the imported function edits both files.
    let mut params = at("area", 0);
    params["newName"] = json!("surface");
    let edit = client.request(7, "textDocument/rename", params);
    let changes = &edit["result"]["changes"];
    assert_eq!(changes[&uri].as_array().map(Vec::len), Some(1), "{edit}");
    assert_eq!(
        changes[&geometry_uri].as_array().map(Vec::len),
        Some(1),
        "{edit}"
    );
    // A method: its declaration and the call.
    let mut params = at("bump", 1);
    params["newName"] = json!("add");
    let edit = client.request(8, "textDocument/rename", params);
    assert_eq!(
        edit["result"]["changes"][&uri].as_array().map(Vec::len),
        Some(2),
        "{edit}"
    );
    // A new name that is no identifier is refused.
    let mut params = at("doubled", 0);
    params["newName"] = json!("9 lives");
    let refused = client.request(9, "textDocument/rename", params);
    assert_eq!(refused["error"]["code"], json!(-32602), "{refused}");

    client.request(10, "shutdown", json!(null));
    client.notify("exit", json!(null));
    assert!(client.child.wait().expect("wait").success());
}

#[test]
fn workspace_symbols_search_open_documents_and_the_folders_files() {
    // On disk: two files of the workspace, one in a subfolder; `main.lm`
    // is open with text the editor has changed (its disk text is stale).
    let shapes = "frame Shape {\n    pub var sides: int = 0\n    pub fn shape_area(): float { return 0.0; }\n}\n";
    let tools = "fn area_of(x: int): int { return x; }\nenum Paint { Red, Green }\n";
    let stale = "fn stale_area() {}\n";
    let edited = "fn fresh_area(): int { return 1; }\nvar total_area = fresh_area()\n";
    let main_uri = scratch_uri("symbols/main.lm", stale);
    let shapes_uri = scratch_uri("symbols/geo/shapes.lm", shapes);
    let tools_uri = scratch_uri("symbols/tools.lm", tools);
    let root = main_uri
        .strip_suffix("/main.lm")
        .expect("a folder")
        .to_string();
    let mut client = Client::start();
    let init = client.request(
        1,
        "initialize",
        json!({"capabilities": {}, "rootUri": root}),
    );
    assert_eq!(
        init["result"]["capabilities"]["workspaceSymbolProvider"],
        json!(true)
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": main_uri, "languageId": "limit", "version": 1, "text": edited}}),
    );
    let found = client.request(2, "workspace/symbol", json!({"query": "area"}));
    let mut names: Vec<(String, String, Option<String>, u64)> = found["result"]
        .as_array()
        .expect("symbols")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("").to_string(),
                s["location"]["uri"].as_str().unwrap_or("").to_string(),
                s["containerName"].as_str().map(str::to_string),
                s["location"]["range"]["start"]["line"]
                    .as_u64()
                    .unwrap_or(99),
            )
        })
        .collect();
    names.sort();
    let expected = |name: &str, uri: &str, container: Option<&str>, line: u64| {
        (
            name.to_string(),
            uri.to_string(),
            container.map(str::to_string),
            line,
        )
    };
    assert_eq!(
        names,
        [
            expected("area_of", &tools_uri, None, 0),
            expected("fresh_area", &main_uri, None, 0),
            expected("shape_area", &shapes_uri, Some("Shape"), 2),
            expected("total_area", &main_uri, None, 1),
        ],
        "{found}"
    );
    // Characters in order, ignoring case: `RD` finds the variant `Red`.
    let found = client.request(3, "workspace/symbol", json!({"query": "RD"}));
    assert_eq!(found["result"][0]["name"], json!("Red"), "{found}");
    assert_eq!(found["result"][0]["kind"], json!(22)); // EnumMember
    assert_eq!(found["result"][0]["containerName"], json!("Paint"));
    client.request(4, "shutdown", json!(null));
    client.notify("exit", json!(null));
    assert!(client.child.wait().expect("the server exits").success());
}
