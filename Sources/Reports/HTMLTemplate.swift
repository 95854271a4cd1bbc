/// The Mustache templates of HTMLDocument: the page (one inline style sheet, nothing fetched) and a table.
/// `{{x}}` is escaped for HTML by the template engine; `{{{svg}}}` is SVGChart's finished markup.
enum HTMLTemplate {
    static let page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{{title}}</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:900px;color:#222;padding:0 12px}
        h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}
        .meta{color:#555;font-size:13px;margin:4px 0 10px}
        table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}
        td.num{text-align:right;font-variant-numeric:tabular-nums}tr.best td{font-weight:600;background:#f3f8ee}
        .bad{color:#b00020;font-weight:600}.good{color:#2e7d32;font-weight:600}.same{color:#777}
        svg{display:block;max-width:100%;height:auto}svg .grid{stroke:#e6e6e6}svg .axis{stroke:#888}
        svg .tick{font-size:11px;fill:#444}svg .title{font-size:12px;fill:#222}
        .legend{font-size:12px;display:flex;flex-wrap:wrap;gap:4px 16px;margin:2px 0 8px 78px}
        .legend i{display:inline-block;width:22px;margin-right:6px;vertical-align:middle}
        </style></head><body>
        <h1>{{pageHeading}}</h1>
        {{#metaList}}<ul class="meta">{{#meta}}<li>{{.}}</li>{{/meta}}</ul>{{/metaList}}
        {{^metaList}}<p class="meta">{{#meta}}{{.}}<br>{{/meta}}</p>{{/metaList}}
        {{#sections}}
        <h2{{#anchor}} id="{{.}}"{{/anchor}}>{{title}}{{#mark}} <span class="{{style}}">{{text}}</span>{{/mark}}</h2>
        {{#captions}}<p class="meta">{{.}}</p>{{/captions}}
        {{#blocks}}
        {{#heading}}<h3>{{.}}</h3>{{/heading}}
        {{#svg}}{{{.}}}{{/svg}}
        {{#table}}{{> table}}{{/table}}
        {{#folded}}<details><summary>{{summary}}</summary>{{#table}}{{> table}}{{/table}}</details>{{/folded}}
        {{#paragraphs}}<p{{#style}} class="{{.}}"{{/style}}>{{text}}</p>{{/paragraphs}}
        {{#list}}<ul>{{#items}}<li{{#style}} class="{{.}}"{{/style}}>{{text}}</li>{{/items}}</ul>{{/list}}
        {{/blocks}}
        {{/sections}}
        </body></html>

        """

    static let table = """
        <table><tr>{{#headers}}<th>{{.}}</th>{{/headers}}</tr>
        {{#rows}}<tr{{#rowStyle}} class="{{.}}"{{/rowStyle}}>{{#cells}}<td{{#cellStyle}} class="{{.}}"{{/cellStyle}}>\
        {{#strong}}<strong>{{/strong}}{{#code}}<code>{{/code}}{{text}}{{#code}}</code>{{/code}}{{#strong}}</strong>{{/strong}}</td>{{/cells}}</tr>
        {{/rows}}</table>

        """
}
