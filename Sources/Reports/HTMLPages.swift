import Mustache

/// The templates of `report.html` and the operators' statements, rendered with Mustache: every
/// `{{value}}` goes through `InertHTML`, so text from inputs (paths, rejected lines, names,
/// plates) is inert. Style and charts are inline: the files open anywhere, with nothing fetched.
enum HTMLPages {
    static let library: MustacheLibrary = {
        MustacheContentTypes.register(InertHTML(), named: InertHTML.name)
        var library = MustacheLibrary()
        for (name, text) in templates {
            // The templates are part of the program: one that does not parse is a bug.
            try! library.register("{{% CONTENT_TYPE: \(InertHTML.name)}}" + text, named: name)
        }
        return library
    }()

    /// Renders `template` with `context`.
    static func render(_ context: [String: Any], template: String) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    /// Every label of the pages in `language`.
    static func labels(_ language: Language) -> [String: String] {
        let say = language.pick
        return [
            "title": say("Hydrogen subsidy report", "氢燃料电池汽车运营补贴报告"),
            "statementTitle": say("Operator statement", "运营单位补贴结算单"),
            "policy": say("Policy", "政策"), "rules": say("Rules", "规则"), "engine": say("Engine", "程序版本"),
            "summary": say("Summary", "概览"), "warnings": say("Warnings", "提示"),
            "operators": say("Operators", "运营单位"), "operator": say("Operator", "运营单位"),
            "operatorName": say("Name", "名称"), "vehicles": say("Vehicles", "车辆"),
            "hydrogenKm": say("Hydrogen km", "氢能公里"), "averageKm": say("Average km", "平均公里"),
            "eligible": say("Eligible", "达标"), "subsidyYuan": say("Subsidy (yuan)", "补贴（元）"),
            "averageCaption": say(
                "Average hydrogen km per registered vehicle against the policy's threshold",
                "每辆登记车辆的平均氢能里程与政策达标线"),
            "monthly": say("Hydrogen distance by month (km)", "按月氢能里程（公里）"),
            "monthlyNote": say(
                "Each interval counts in the month of its end, in the policy's time zone (SPEC 3.4).",
                "每个区间计入其结束时间所在月份（政策时区，SPEC 3.4）。"),
            "total": say("Total", "合计"),
            "vin": say("VIN", "车辆识别码"), "plate": say("Plate", "车牌"), "class": say("Class", "车型"),
            "status": say("Status", "状态"), "days": say("Days with data", "有数据天数"), "frames": say("Frames", "帧数"),
            "batteryKm": say("Battery km", "纯电公里"), "gapKm": say("Gap km", "中断公里"),
            "overspeedKm": say("Overspeed km", "超速公里"), "suspectKm": say("Next to rollback km", "回退相邻公里"),
            "uncappedYuan": say("Before cap (yuan)", "封顶前（元）"), "capYuan": say("Cap (yuan)", "上限（元）"),
            "paidOfCap": say("Paid of cap", "占上限"),
            "excluded": say("Distance not paid as hydrogen distance, by reason", "未按氢能里程补贴的里程（按原因）"),
            "coverage": say("Data coverage: days with frames", "数据覆盖：有数据的日期"),
            "coverageNote": say(
                "One row per vehicle, one column per day of the year; blank stretches are days without data.",
                "每行一辆车，每列一天；空白处为没有数据的日期。"),
            "rejections": say("Rejected rows", "拒收行"), "reason": say("Reason", "原因"), "count": say("Count", "数量"),
            "samples": say("Samples (the first 20 of each reason)", "样例（每种原因前 20 条）"),
            "path": say("File", "文件"), "position": say("Line or offset", "行号或偏移"), "text": say("Text", "内容"),
            "inputs": say("Input files", "输入文件"), "format": say("Format", "格式"), "bytes": say("Bytes", "字节"),
            "rejected": say("Rejected", "拒收"), "skipped": say("Skipped files", "跳过的文件"),
            "fingerprints": say("Fingerprints", "数据指纹"), "registry": say("Registry", "登记表"),
            "data": say("Data (SHA-256 of the input files' sha256sum lines)", "数据（各输入文件 sha256sum 行的 SHA-256）"),
            "statements": say("Operator statements", "运营单位结算单"),
            "arithmetic": say("Subsidy arithmetic", "补贴计算"),
            "period": say("Period", "期间"), "signOperator": say("For the operator (signature, seal, date)", "运营单位（签字、盖章、日期）"),
            "signRegulator": say("For the regulator (signature, seal, date)", "主管部门（签字、盖章、日期）"),
            "none": say("none", "无"),
            "thresholdKm": say("Threshold km", "达标线公里"),
        ]
    }

    static let style = """
        :root{--ink:#1d2733;--muted:#5b6b7c;--line:#d5dde5;--ok:#2e7d4f;--short:#c2571a;--data:#2f6fb0;--bg:#f6f8fa}
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;color:var(--ink);background:#fff}
        header.top{background:var(--ink);color:#fff;padding:14px 18px}
        header.top h1{margin:0;font-size:1.3em}
        header.top p{margin:2px 0 0;color:#cfd8e3;font-size:.9em}
        main{padding:12px 18px;max-width:1200px;margin:0 auto}
        section{margin:22px 0}
        h2{font-size:1.15em;border-bottom:2px solid var(--line);padding-bottom:4px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
        .card{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:8px 10px}
        .card .label{color:var(--muted);font-size:.85em}
        .card .value{font-size:1.35em;font-weight:600}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;width:100%;font-size:.9em}
        th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
        th{background:var(--bg);position:sticky;top:0}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td.id{white-space:nowrap}
        td.hash{font-family:ui-monospace,monospace;font-size:.8em;word-break:break-all}
        td.sample{font-family:ui-monospace,monospace;font-size:.8em;word-break:break-all}
        .yes{color:var(--ok);font-weight:600}.no{color:var(--short);font-weight:600}
        .warnings li{margin:4px 0}.warnings code{background:var(--bg);padding:0 4px}
        svg{max-width:100%;height:auto;display:block}
        svg text{font-size:12px;fill:var(--ink)}
        .bar-ok{fill:var(--ok)}.bar-short{fill:var(--short)}.bar-data{fill:var(--data)}.bar-cap{fill:var(--line)}
        .threshold{stroke:var(--ink);stroke-width:2;stroke-dasharray:4 3}
        .row-bg{fill:#eef1f4}
        .note{color:var(--muted);font-size:.85em}
        .steps{margin:2px 0 0;padding-left:1.2em;font-size:.9em}
        .statement{border-top:3px solid var(--ink);padding-top:6px}
        .signatures{display:grid;grid-template-columns:1fr 1fr;gap:30px;margin-top:30px}
        .signatures div{border-top:1px solid var(--ink);padding-top:4px;min-height:60px;font-size:.9em}
        @media (max-width:600px){main{padding:8px}table{font-size:.8em}.cards{grid-template-columns:1fr 1fr}}
        @media print{
          @page{size:A4;margin:14mm}
          header.top{background:none;color:var(--ink);padding:0}
          header.top p{color:var(--muted)}
          th{position:static}
          .scroll{overflow:visible}
          .statement{break-before:page}
          tr,.card,svg{break-inside:avoid}
        }
        """

    static let templates: [(String, String)] = [
        (
            "head",
            """
            <!doctype html>
            <html lang="{{lang}}"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            """
        ),
        (
            "fingerprints",
            """
            <table class="fingerprints">
            <tr><th>{{t.policy}}</th><td>{{policyId}} {{policyTitle}}</td><td class="hash" id="policy-sha256">{{policySHA256}}</td></tr>
            <tr><th>{{t.registry}}</th><td>{{registryPath}}</td><td class="hash" id="registry-sha256">{{registrySHA256}}</td></tr>
            <tr><th>{{t.data}}</th><td></td><td class="hash" id="data-fingerprint">{{dataFingerprint}}</td></tr>
            <tr><th>{{t.rules}} / {{t.engine}}</th><td>{{rules}}</td><td>h2fleet {{engine}}</td></tr>
            </table>
            """
        ),
        (
            "statement",
            """
            <section class="statement" id="statement-{{id}}" data-operator="{{id}}">
            <h2>{{t.statementTitle}} — {{id}} {{name}}</h2>
            <p>{{t.period}}: {{period}}</p>
            <div class="scroll"><table class="statement-summary">
            <tr><th>{{t.vehicles}}</th><th class="n">{{t.hydrogenKm}}</th><th class="n">{{t.averageKm}}</th><th>{{t.eligible}}</th><th class="n">{{t.subsidyYuan}}</th></tr>
            <tr><td data-field="vehicles">{{vehicleCount}}</td><td class="n" data-field="hydrogen_km">{{hydrogen}}</td><td class="n" data-field="average_km">{{average}}</td>
            <td data-field="eligible" class="{{#eligible}}yes{{/eligible}}{{^eligible}}no{{/eligible}}">{{eligibleText}}</td><td class="n" data-field="subsidy_yuan">{{subsidy}}</td></tr>
            </table></div>
            <h3>{{t.arithmetic}}</h3>
            <p class="operator-step">{{#operatorStep}}{{line}}<br>{{/operatorStep}}</p>
            <div class="scroll"><table class="statement-vehicles">
            <tr><th>{{t.vin}}</th><th>{{t.plate}}</th><th>{{t.class}}</th><th class="n">{{t.hydrogenKm}}</th><th class="n">{{t.subsidyYuan}}</th><th>{{t.arithmetic}}</th></tr>
            {{#vehicles}}<tr data-vin="{{vin}}"><td class="id">{{vin}}</td><td class="id">{{plate}}</td><td>{{className}}</td><td class="n" data-field="hydrogen_km">{{hydrogen}}</td><td class="n" data-field="subsidy_yuan">{{subsidy}}</td>
            <td><ol class="steps" start="2">{{#steps}}<li>{{line}}</li>{{/steps}}</ol></td></tr>
            {{/vehicles}}
            <tr><th colspan="3">{{t.total}}</th><th class="n">{{hydrogen}}</th><th class="n">{{subsidy}}</th><th></th></tr>
            </table></div>
            <div class="signatures"><div>{{t.signOperator}}</div><div>{{t.signRegulator}}</div></div>
            </section>
            """
        ),
        (
            "statement-page",
            """
            {{> head}}
            <title>{{t.statementTitle}} — {{statement.id}}</title>
            <style>{{{style}}}</style></head><body>
            <header class="top"><h1>{{t.statementTitle}}</h1><p>{{t.policy}} {{policyId}} · {{period}} · {{t.rules}} {{rules}}</p></header>
            <main>{{#statement}}{{> statement}}{{/statement}}
            <section><h2>{{t.fingerprints}}</h2>{{> fingerprints}}</section></main></body></html>

            """
        ),
        (
            "report",
            """
            {{> head}}
            <title>{{t.title}} — {{period}}</title>
            <style>{{{style}}}</style></head><body>
            <header class="top"><h1>{{t.title}}</h1><p>{{period}} · {{t.policy}} {{policyId}} {{policyTitle}} · {{t.rules}} {{rules}} · h2fleet {{engine}}</p></header>
            <main>
            <section id="summary"><h2>{{t.summary}}</h2><div class="cards">
            {{#cards}}<div class="card" id="{{id}}"><div class="label">{{label}}</div><div class="value">{{value}} <small>{{unit}}</small></div></div>{{/cards}}
            </div>
            {{#hasWarnings}}<h3>{{t.warnings}}</h3>{{/hasWarnings}}
            <ul class="warnings">{{#warnings}}<li><code>{{code}}</code> {{#hasPath}}<b>{{path}}</b>: {{/hasPath}}{{message}}</li>{{/warnings}}</ul></section>

            <section id="operators"><h2>{{t.operators}}</h2>
            <figure><svg viewBox="0 0 {{averageChart.width}} {{averageChart.height}}" width="{{averageChart.width}}" role="img" aria-label="{{t.averageCaption}}" id="average-chart">
            {{#averageChart.bars}}<text x="0" y="{{textY}}">{{label}}</text><rect class="bar-{{cls}}" x="{{averageChart.labelWidth}}" y="{{y}}" width="{{width}}" height="18"><title>{{label}}: {{value}} km</title></rect><text x="{{valueX}}" y="{{textY}}">{{value}}</text>
            {{/averageChart.bars}}<line class="threshold" x1="{{averageChart.thresholdX}}" x2="{{averageChart.thresholdX}}" y1="0" y2="{{averageChart.height}}"/>
            <text x="{{averageChart.thresholdLabelX}}" y="{{averageChart.thresholdLabelY}}">{{averageChart.thresholdLabel}}</text></svg>
            <figcaption class="note">{{t.averageCaption}}</figcaption></figure>
            <div class="scroll"><table id="operators-table">
            <tr><th>{{t.operator}}</th><th>{{t.operatorName}}</th><th class="n">{{t.vehicles}}</th><th class="n">{{t.hydrogenKm}}</th><th class="n">{{t.averageKm}}</th><th class="n">{{t.thresholdKm}}</th><th>{{t.eligible}}</th><th class="n">{{t.subsidyYuan}}</th></tr>
            {{#operators}}<tr data-operator="{{id}}"><td>{{id}}</td><td>{{name}}</td><td class="n" data-field="vehicles">{{vehicles}}</td><td class="n" data-field="hydrogen_km">{{hydrogen}}</td><td class="n" data-field="average_km">{{average}}</td><td class="n">{{threshold}}</td>
            <td data-field="eligible" class="{{#eligible}}yes{{/eligible}}{{^eligible}}no{{/eligible}}">{{eligibleText}}</td><td class="n" data-field="subsidy_yuan">{{subsidy}}</td></tr>
            {{/operators}}</table></div></section>

            <section id="monthly"><h2>{{t.monthly}}</h2><p class="note">{{t.monthlyNote}}</p>
            <div class="scroll"><table id="monthly-table"><tr><th>{{t.operator}}</th><th></th>{{#monthly.months}}<th class="n">{{name}}</th>{{/monthly.months}}<th class="n">{{t.total}}</th></tr>
            {{#monthly.rows}}<tr data-operator="{{id}}"><td>{{id}}<br><small>{{name}}</small></td>
            <td><svg viewBox="0 -2 {{chartWidth}} {{chartHeight}}" width="{{chartWidth}}" class="months">{{#bars}}<rect class="bar-data" x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}"><title>{{title}}</title></rect>{{/bars}}</svg></td>
            {{#cells}}<td class="n">{{km}}</td>{{/cells}}<td class="n" data-field="hydrogen_km">{{total}}</td></tr>
            {{/monthly.rows}}</table></div></section>

            <section id="vehicles"><h2>{{t.vehicles}}</h2><div class="scroll"><table id="vehicles-table">
            <tr><th>{{t.vin}}</th><th>{{t.plate}}</th><th>{{t.operator}}</th><th>{{t.class}}</th><th>{{t.status}}</th><th class="n">{{t.days}}</th><th class="n">{{t.hydrogenKm}}</th><th class="n">{{t.batteryKm}}</th><th class="n">{{t.gapKm}}</th><th class="n">{{t.overspeedKm}}</th><th class="n">{{t.suspectKm}}</th><th class="n">{{t.uncappedYuan}}</th><th class="n">{{t.subsidyYuan}}</th><th class="n">{{t.capYuan}}</th><th>{{t.paidOfCap}}</th></tr>
            {{#vehicles}}<tr data-vin="{{vin}}"><td class="id">{{vin}}</td><td class="id">{{plate}}</td><td>{{operator}}</td><td>{{className}}</td><td data-field="status" data-status="{{status}}">{{statusText}}</td>
            <td class="n" data-field="days_with_data">{{days}}</td><td class="n" data-field="hydrogen_km">{{hydrogen}}</td><td class="n" data-field="battery_km">{{battery}}</td><td class="n" data-field="gap_km">{{gap}}</td><td class="n" data-field="overspeed_km">{{overspeed}}</td><td class="n" data-field="suspect_km">{{suspect}}</td>
            <td class="n" data-field="uncapped_yuan">{{uncapped}}</td><td class="n" data-field="subsidy_yuan">{{subsidy}}</td><td class="n">{{cap}}</td>
            <td>{{#hasCap}}<svg viewBox="0 0 100 10" width="100" height="10"><rect class="bar-cap" width="100" height="10"/><rect class="bar-ok" width="{{paidWidth}}" height="10"/></svg>{{/hasCap}}</td></tr>
            {{/vehicles}}</table></div></section>

            <section id="excluded"><h2>{{t.excluded}}</h2>
            <table id="excluded-table">{{#excluded}}<tr data-field="{{field}}"><td>{{label}}</td><td class="n">{{km}}</td><td><svg viewBox="0 0 300 12" width="300" height="12"><rect class="bar-short" width="{{width}}" height="12"/></svg></td></tr>{{/excluded}}</table></section>

            <section id="coverage"><h2>{{t.coverage}}</h2><p class="note">{{t.coverageNote}}</p>
            <div class="scroll"><svg viewBox="0 0 {{coverage.width}} {{coverage.height}}" width="{{coverage.width}}" role="img" aria-label="{{t.coverage}}" id="coverage-chart">
            {{#coverage.ticks}}<text x="{{x}}" y="10">{{name}}</text>{{/coverage.ticks}}
            {{#coverage.rows}}<g data-vin="{{vin}}" data-days="{{days}}"><text x="0" y="{{textY}}" font-size="10">{{vin}}</text><rect class="row-bg" x="{{coverage.labelWidth}}" y="{{y}}" width="{{coverage.daysWidth}}" height="{{coverage.rowHeight}}"/>{{#runs}}<rect class="bar-data" x="{{x}}" y="{{y}}" width="{{w}}" height="{{coverage.rowHeight}}"/>{{/runs}}</g>
            {{/coverage.rows}}</svg></div></section>

            <section id="rejections"><h2>{{t.rejections}}</h2>
            <table id="rejections-table"><tr><th>{{t.reason}}</th><th class="n">{{t.count}}</th></tr>
            {{#rejections}}<tr data-reason="{{reason}}"><td>{{reason}}</td><td class="n">{{count}}</td></tr>{{/rejections}}
            {{^rejections}}<tr><td colspan="2">{{t.none}}</td></tr>{{/rejections}}</table>
            {{#hasSamples}}<h3>{{t.samples}}</h3>{{/hasSamples}}
            <div class="scroll"><table id="samples-table">{{#hasSamples}}<tr><th>{{t.reason}}</th><th>{{t.path}}</th><th class="n">{{t.position}}</th><th>{{t.text}}</th></tr>{{/hasSamples}}
            {{#samples}}<tr><td>{{reason}}</td><td>{{path}}</td><td class="n">{{position}}</td><td class="sample">{{text}}</td></tr>{{/samples}}</table></div></section>

            <section id="inputs"><h2>{{t.inputs}}</h2><div class="scroll"><table id="files-table">
            <tr><th>{{t.path}}</th><th>{{t.format}}</th><th class="n">{{t.bytes}}</th><th>{{t.status}}</th><th class="n">{{t.frames}}</th><th class="n">{{t.rejected}}</th><th>SHA-256</th></tr>
            {{#files}}<tr data-path="{{path}}"><td>{{path}}</td><td>{{format}}</td><td class="n">{{bytes}}</td><td class="{{#ok}}yes{{/ok}}{{^ok}}no{{/ok}}">{{status}} {{error}}</td><td class="n" data-field="frames">{{frames}}</td><td class="n" data-field="rejected_rows">{{rejected}}</td><td class="hash" data-field="sha256">{{sha256}}</td></tr>
            {{/files}}</table></div>
            {{#hasSkipped}}<h3>{{t.skipped}}</h3>{{/hasSkipped}}<ul>{{#skipped}}<li>{{path}}: {{reason}}</li>{{/skipped}}</ul></section>

            <section id="fingerprints"><h2>{{t.fingerprints}}</h2>{{> fingerprints}}</section>

            <section id="statements"><h2>{{t.statements}}</h2>
            {{#statements}}{{> statement}}{{/statements}}</section>
            </main></body></html>

            """
        ),
    ]
}

/// How every `{{value}}` of the pages is written (SPEC 7.2: text from inputs never carries control
/// characters into any output): control characters as `\xNN` and a backslash as `\\`, as
/// `TerminalText` writes them, then `& < > " '` as references, one Unicode scalar at a time (the
/// library's own HTML escaping looks at whole characters, and a quote followed by a combining
/// mark is one character that is not a quote).
struct InertHTML: MustacheContentType {
    static let name = "INERT_HTML"

    func escapeText(_ text: String) -> String {
        var out = ""
        for scalar in TerminalText.escaped(text).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
