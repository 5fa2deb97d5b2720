#!/usr/bin/env python3
"""Render real chat templates with transformers for Tests/Fixtures/chat_templates/.

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/make_chat_template_fixture.py [--check]

Reads Tests/Fixtures/chat_templates/sources.json (which template files there are and where
each came from) and writes Tests/Fixtures/chat_templates/renderings.json:

  cases     every template × every message set × add_generation_prompt false/true (plus a
            few extra variables such as enable_thinking=False), rendered exactly as
            tokenizer.apply_chat_template(messages, tokenize=False, ...) renders them:
            transformers' own render_jinja_template with the special tokens as variables
            (apply_chat_template passes {**special_tokens_map, **kwargs}). A render that
            raises records the error: "raised" is true for raise_exception(...) in the
            template (jinja2.exceptions.TemplateError itself), false for other errors.
  synthetic small templates written here to pin down Jinja corners (whitespace control,
            trim_blocks / lstrip_blocks, raw, loops, filters, tests, macros, ...).
  loader    model directories under models/ (written by this script: tokenizer_config.json
            variants, chat_template.jinja, special_tokens_map.json and a tiny tokenizer.json)
            and, if present, ../shared/models/smollm2-135m, loaded with
            AutoTokenizer.from_pretrained and rendered with apply_chat_template.

strftime_now is pinned to NOW (transformers' module-level datetime is replaced), so the
renderings do not depend on the day; the Swift test passes the same local time.

--check regenerates nothing: it re-renders and exits 1 if renderings.json differs.
"""
import argparse, datetime as _dt, json, os, shutil, sys

import jinja2
import transformers
import transformers.utils.chat_template_utils as ctu
from transformers import AutoTokenizer
from transformers.utils.chat_template_utils import render_jinja_template

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests", "Fixtures", "chat_templates")
SHARED = os.environ.get("SWIFTQUANT_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")

NOW = _dt.datetime(2024, 7, 26, 9, 30, 5, 123456)


class _FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW


ctu.datetime = _FixedDatetime  # strftime_now() calls datetime.now() at render time

MESSAGE_SETS = {
    "single_user": [
        {"role": "user", "content": "Hello! How are you?"},
    ],
    "system_user": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is 2+2?"},
    ],
    "multi_turn": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "Name a prime number."},
        {"role": "assistant", "content": "7"},
        {"role": "user", "content": "Another one?"},
    ],
    "no_system_multi_turn": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello, how can I help?"},
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "Why did the chicken cross the road? To get to the other side."},
    ],
    "whitespace_unicode": [
        {"role": "system", "content": "  Be brief.\n"},
        {"role": "user", "content": "  Résumé: naïve café ☕ 日本語 🚀 e\u0301\nsecond line\t tab  "},
        {"role": "assistant", "content": "  Sure — ok.  \n\n"},
        {"role": "user", "content": "\n\nThanks\r\n"},
    ],
    "template_syntax_in_content": [
        {"role": "user", "content": "He said \"hi\", it's {{ not a tag }} {% raw %} {# no #} \\n and a \\ backslash; <b>&amp;</b>"},
    ],
    "thinking": [
        {"role": "user", "content": "What is 3*4?"},
        {"role": "assistant", "content": "<think>\n3 times 4 is 12.\n</think>\n\nThe answer is 12."},
        {"role": "user", "content": "And 5*6?"},
    ],
    "empty_content": [
        {"role": "user", "content": ""},
    ],
}

# Extra keyword arguments some templates read (apply_chat_template(..., **kwargs)).
EXTRA_VARIABLES = {
    "Qwen-Qwen3-0.6B.jinja": [{"enable_thinking": False}],
    "HuggingFaceTB-SmolLM3-3B.jinja": [{"enable_thinking": False}],
    "meta-llama-Llama-3.1-8B-Instruct.jinja": [{"date_string": "01 Jan 2025"}],
    "openai-gpt-oss-120b.jinja": [{"reasoning_effort": "high"}],
}

SYNTHETIC = [
    ("whitespace control", "a  {%- if true -%}  b  {%- endif -%}  c\n  {{- ' d ' -}}  e {{ 'f' }} {#- c -#}  g"),
    ("trim_blocks and lstrip_blocks", "<ul>\n    {% for m in messages %}\n    <li>{{ m.role }}</li>\n    {% endfor %}\n</ul>\n  {# comment #}\n  {{ 'x' }}\n"),
    ("plus disables lstrip and trim", "  {%+ if true +%}\nA\n  {%+ endif %}\nB"),
    ("raw and comments", "{% raw %}{{ not evaluated }} {% if %}{% endraw %}|{# comment {{ x }} #}|{{ '{{' }}"),
    ("CRLF and CR newlines", "line1\r\n{% if true %}\r\nline2\rline3\r\n{% endif %}\r\n"),
    ("string escapes", "{{ 'tab\\there' }}|{{ \"q\\\"uote\" }}|{{ 'nl\\nx' }}|{{ '\\u00e9\\x41\\101' }}|{{ 'back\\\\slash' }}|{{ 'keep\\d' }}|{{ 'a' 'b' \"c\" }}"),
    ("loop variables", "{% for m in messages %}[{{ loop.index }}/{{ loop.length }} {{ loop.index0 }} {{ loop.revindex }} {{ loop.revindex0 }} {{ loop.first }} {{ loop.last }} {{ loop.previtem.role if loop.previtem is defined else '-' }} {{ loop.cycle('odd', 'even') }}]{% endfor %}"),
    ("for else, filter, break and continue", "{% for x in [] %}x{% else %}empty{% endfor %}|{% for m in messages if m.role == 'user' %}{{ m.content[:5] }};{% endfor %}|{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i > 4 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
    ("scoping of set in loops and namespaces", "{% set x = 'outer' %}{% set ns = namespace(count=0, last='') %}{% for m in messages %}{% set x = m.role %}{% set ns.count = ns.count + 1 %}{% set ns.last = x %}{% endfor %}{{ x }} {{ ns.count }} {{ ns.last }}{% if true %}{% set y = 'if-scoped' %}{% endif %} {{ y }}"),
    ("slicing and indexing", "{{ messages[-1].role }}|{{ messages[1:]|length }}|{{ (messages|map(attribute='role')|list)[::-1] }}|{{ 'abcdef'[1:4] }}|{{ 'abcdef'[::-2] }}|{{ [1,2,3,4][-2:] }}|{{ messages[99] is defined }}|{{ 'héllo'[1] }}"),
    ("operators", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 'a' ~ 1 ~ none }} {{ 'ab' * 3 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }} {{ 'b' in 'abc' }} {{ 'z' not in ['a'] }} {{ not true or false }} {{ 0 or 'x' }} {{ '' and 'y' }} {{ 1 == 1.0 }} {{ true + 1 }} {{ 10 / 4 }} {{ 1e3 }} {{ 0.1 + 0.2 }}"),
    ("conditional expressions and undefined", "{{ 'yes' if messages else 'no' }}|{{ 'x' if false }}|{{ nothing }}|{{ nothing is defined }}|{{ nothing|default('dflt') }}|{{ none|default('dflt') }}|{{ ''|default('dflt', true) }}|{{ messages[0].missing is undefined }}|{{ nothing|length }}|{% for x in nothing %}x{% endfor %}|{{ 'a' ~ nothing ~ 'b' }}"),
    ("tests", "{{ 1 is number }} {{ 1 is integer }} {{ 1.5 is float }} {{ 'a' is string }} {{ {} is mapping }} {{ [] is iterable }} {{ 'a' is iterable }} {{ none is none }} {{ true is boolean }} {{ false is false }} {{ 1 is true }} {{ 4 is even }} {{ 3 is odd }} {{ 9 is divisibleby 3 }} {{ 'x' is in 'xyz' }} {{ 2 is eq 2 }} {{ 'a' is lower }} {{ 'A' is upper }} {{ none is not none }} {{ messages is sequence }} {{ raise_exception is callable }}"),
    ("string filters", "{{ '  pad  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ 'Hello World'|upper }}|{{ 'Hello World'|lower }}|{{ 'hello WORLD-wide (test) [x]'|title }}|{{ 'hELLO world'|capitalize }}|{{ 'a-b-a'|replace('a', 'X') }}|{{ 'a-b-a'|replace('a', 'X', 1) }}|{{ 'abc'|length }}|{{ 'abc'|list }}|{{ 'abc'|reverse }}|{{ 'ab'|first }}{{ 'ab'|last }}|{{ 42|string ~ '!' }}|{{ '42'|int + 1 }}|{{ '4.7'|int }}|{{ 'x'|int(7) }}|{{ '2.5'|float }}|{{ 'a b  c'|wordcount }}|{{ '<&>'|e }}|{{ 'x'|safe }}|{{ '%s-%d'|format('a', 3) }}|{{ 'ab'|center(6) }}|"),
    ("list filters", "{{ [3, 1, 2]|sort }}|{{ ['b', 'A', 'c']|sort }}|{{ [3, 1, 2]|sort(reverse=true) }}|{{ [1, 2, 3]|join(', ') }}|{{ messages|map(attribute='role')|join('/') }}|{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|rejectattr('role', 'eq', 'user')|map(attribute='role')|list }}|{{ [0, 1, '', 'a', none]|select|list }}|{{ [1, 2, 3, 4]|select('odd')|list }}|{{ [1, 2, 3]|reject('even')|list }}|{{ [1, 2, 2, 1]|unique|list }}|{{ [1, 2, 3]|sum }}|{{ [4, 9, 2]|max }}{{ [4, 9, 2]|min }}|{{ ['a', 'b']|map('upper')|list }}|{{ [1, [2, 3]]|length }}|{{ [5, 6]|first }}{{ [5, 6]|last }}|{{ []|first is defined }}"),
    ("dicts", "{% set d = {'b': 1, 'a': [1, 2.5, none, true], 'c': {'x': 'y'}} %}{{ d }}|{{ d.b }}{{ d['a'][1] }}|{{ d.get('zz', 'def') }}{{ d.get('b') }}{{ d.get('q') }}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k in d %}{{ k }}{% endfor %}|{{ d|items|list|length }}|{{ d.keys()|list }}|{{ d.values()|list|length }}|{{ d|dictsort }}|{{ 'a' in d }}|{{ d|length }}"),
    ("tojson", "{{ messages[0]|tojson }}|{{ {'b': 1, 'a': [1, 2.5, none, true, 'é\"\\n']}|tojson }}|{{ messages[:1]|tojson(indent=2) }}|{{ {'k': [1, {'z': 1}]}|tojson(indent=4, sort_keys=true) }}|{{ [1, 2]|tojson(separators=(',', ':')) }}|{{ 'x'|tojson }}|{{ 1.0|tojson }}|{{ []|tojson(indent=2) }}|{{ 'ü'|tojson(ensure_ascii=true) }}"),
    ("python string methods", "{{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('bc') }}{{ 'abc'.startswith(('x', 'a')) }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ \"hello world's\".title() }}|{{ 'aXa'.replace('a', 'b') }}|{{ 'abcabc'.find('c') }}{{ 'abc'.find('z') }}{{ 'abcabc'.rfind('c') }}|{{ 'aaa'.count('a') }}|{{ '-'.join(['x', 'y']) }}|{{ 'l1\\nl2\\r\\nl3'.splitlines() }}|{{ '12'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}|{{ 'prefix-x'.removeprefix('prefix-') }}|{{ '{} and {name}'.format(1, name='n') }}|{{ 'ǆemal'.capitalize() }}|{{ 'ΣΑΣ'.lower() }}|{{ 'straße'.upper() }}"),
    ("macros", "{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C', punct='.') }}{% macro outer(m) %}[{{ m.role|upper }}]{% endmacro %}{% for m in messages %}{{ outer(m) }}{% endfor %}"),
    ("set blocks, filter blocks, with, generation", "{% set block %}  inner {{ messages|length }}  {% endset %}[{{ block }}]{% set up | upper %}shout{% endset %}{{ up }}{% filter replace('a', 'o') %}banana{% endfilter %}{% with z = 5 %}{{ z }}{% endwith %}{{ z is defined }}{% generation %}gen{% endgeneration %}"),
    ("reprs", "{{ [1, 'a', none, true, 1.5, (1,), (1, 2), {'k': \"it's\"}, 'say \"hi\"', 'both \\' \"'] }}|{{ 1e20 }} {{ 1e-5 }} {{ 123456789.0 }} {{ -0.0 }} {{ 1/3 }} {{ 2.0 ** 60 }}"),
    ("strftime_now", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A %B %j %p %I %y %f') }}"),
    ("unknown filter or test in an untaken branch", "{% if false %}{{ x|frobnicate }}{{ y is frobnicated }}{% endif %}{{ 'ok' if true else z|frobnicate }}"),
    ("macro default arguments see earlier arguments", "{% macro f(a, b=a ~ '!') %}{{ a }}{{ b }}{% endmacro %}{{ f('x') }}{{ f('y', 'z') }}"),
    ("nested loops and loop shadowing", "{% for m in messages %}{% for c in m.role[:2] %}{{ loop.index }}{{ c }}{% endfor %}{{ loop.index }};{% endfor %}"),
    ("precedence corners", "{{ -1|abs }} {{ not 1 == 2 }} {{ 2 * 3 ~ 4 }} {{ 'a' ~ (2 + 3) }} {{ 1 if 0 else 2 if 0 else 3 }} {{ (1, 2) }} {{ 1, 'b' }} {{ [1, 2,] }} {{ {'a': 1,} }} {{ messages|length is odd }} {{ 'x' is not string }} {{ 2 ** 3 ** 2 }}"),
    ("tuple assignment and unpacking", "{% set a, b = 1, 'two' %}{{ a }}{{ b }}{% for k, v in [['x', 1], ('y', 2)] %}{{ k }}{{ v }}{% endfor %}"),
    ("whitespace control around newlines", "A\n\n  {%- if true %}\n\n  B  \n  {%- endif %}\n  {{- 'C' }}\n   {#- comment #}\n\t{% raw -%}   R  {%- endraw %}\n D"),
    ("lstrip only at line starts", "x  {% if true %}y{% endif %}\n   \t{% if true %}z\n{% endif %}w {# c #}\n  {{ 'v' }}"),
    ("trailing newline dropped", "x\n"),
    ("two trailing newlines keep one", "x\n\n"),
]

# Templates that must fail; the Swift test checks that they fail too (and how).
SYNTHETIC_ERRORS = [
    ("unterminated variable tag", "Hello {{ messages[0].content "),
    ("unterminated block tag", "{% if true %}x"),
    ("unknown filter", "{{ messages|frobnicate }}"),
    ("unknown test", "{% if messages is frobnicated %}{% endif %}"),
    ("raise_exception", "{% if messages|length > 0 %}{{ raise_exception('Custom failure: ' ~ messages[0].role) }}{% endif %}"),
    ("undefined attribute of undefined", "{{ nothing.attribute }}"),
    ("type error", "{{ 'a' + 1 }}"),
    ("iterate none", "{% for x in none %}{% endfor %}"),
    ("unsafe list method", "{{ messages.append(1) }}"),
    ("unknown filter in a loop inside an if", "{% if false %}{% for x in [] %}{{ x|frobnicate }}{% endfor %}{% endif %}"),
    ("string plus number", "{{ 'a' ~ 2 + 3 }}"),
    ("unknown tag", "{% frobnicate %}"),
    ("endfor without for", "{% endfor %}"),
    ("unterminated comment", "{# never closed"),
    ("unterminated string", "{{ 'abc }}"),
]


def render(template, messages, add_generation_prompt, special_tokens, variables):
    kwargs = {**special_tokens, **variables}
    try:
        rendered, _ = render_jinja_template(conversations=[messages], chat_template=template,
                                            add_generation_prompt=add_generation_prompt, **kwargs)
        return {"expected": rendered[0]}
    except Exception as e:  # noqa: BLE001 - every failure is recorded
        raised = type(e) is jinja2.exceptions.TemplateError
        return {"error": {"type": type(e).__name__, "message": str(e), "raised": raised}}


def template_cases(template, special_tokens, extra):
    cases = []
    for set_name, messages in MESSAGE_SETS.items():
        for agp in (False, True):
            for variables in [{}] + extra:
                if variables and set_name not in ("single_user", "multi_turn"):
                    continue
                case = {"messages": set_name, "add_generation_prompt": agp, "variables": variables}
                case.update(render(template, messages, agp, special_tokens, variables))
                cases.append(case)
    return cases


LOADER_TOKENS = ["[UNK]", "<s>", "</s>", "<pad>", "<|im_start|>", "<|im_end|>"]


def write_model_dir(root, name, tokenizer_config, jinja=None, special_tokens_map=None):
    from tokenizers import Tokenizer, models, pre_tokenizers
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    tok = Tokenizer(models.WordLevel({t: i for i, t in enumerate(LOADER_TOKENS)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(os.path.join(d, "tokenizer.json"))
    with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config, f, indent=2, ensure_ascii=False)
        f.write("\n")
    if jinja is not None:
        with open(os.path.join(d, "chat_template.jinja"), "w", encoding="utf-8", newline="") as f:
            f.write(jinja)
    if special_tokens_map is not None:
        with open(os.path.join(d, "special_tokens_map.json"), "w", encoding="utf-8") as f:
            json.dump(special_tokens_map, f, indent=2)
            f.write("\n")
    return d


def added(content):
    return {"__type": "AddedToken", "content": content, "lstrip": False, "normalized": False,
            "rstrip": False, "single_word": False, "special": True}


def added_tokens_decoder():
    return {str(i): {k: v for k, v in added(t).items() if k != "__type"} for i, t in enumerate(LOADER_TOKENS)}


CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
TOKENS_ECHO = "[bos={{ bos_token }} eos={{ eos_token }} pad={{ pad_token }} unk={{ unk_token }}]"


def make_model_dirs(root):
    dirs = []
    dirs.append(("models/string-template-addedtoken", write_model_dir(root, "string-template-addedtoken", {
        "added_tokens_decoder": added_tokens_decoder(),
        "bos_token": added("<s>"), "eos_token": "</s>", "pad_token": None, "unk_token": added("[UNK]"),
        "chat_template": "{{ bos_token }}" + CHATML + TOKENS_ECHO,
        "tokenizer_class": "PreTrainedTokenizerFast"})))
    dirs.append(("models/named-templates", write_model_dir(root, "named-templates", {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "[UNK]",
        "chat_template": [{"name": "tool_use", "template": "TOOLS {{ messages|length }}"},
                          {"name": "default", "template": CHATML + TOKENS_ECHO}],
        "tokenizer_class": "PreTrainedTokenizerFast"},
        special_tokens_map={"eos_token": {"content": "<|im_end|>", "lstrip": False, "normalized": False,
                                          "rstrip": False, "single_word": False},
                            "pad_token": "<pad>"})))
    dirs.append(("models/jinja-file", write_model_dir(root, "jinja-file", {
        "added_tokens_decoder": added_tokens_decoder(),
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "[UNK]",
        "chat_template": "NOT USED: chat_template.jinja wins",
        "tokenizer_class": "PreTrainedTokenizerFast"},
        jinja="{%- for message in messages %}\r\n  {{- message.role|upper }}: {{ message.content }}\r\n{% endfor -%}\r\n"
              "{% if add_generation_prompt %}ASSISTANT:{% endif %}" + TOKENS_ECHO + "\n")))
    dirs.append(("models/no-template", write_model_dir(root, "no-template", {
        "added_tokens_decoder": added_tokens_decoder(),
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "[UNK]",
        "tokenizer_class": "PreTrainedTokenizerFast"})))
    smol = os.path.join(SHARED, "models", "smollm2-135m")
    if os.path.exists(os.path.join(smol, "tokenizer_config.json")):
        dirs.append(("shared:models/smollm2-135m", smol))
    else:
        print(f"note: {smol} is missing; its loader case is left out", file=sys.stderr)
    out = []
    for label, path in dirs:
        tok = AutoTokenizer.from_pretrained(path)
        entry = {"directory": label,
                 "special_tokens": {k: v for k, v in tok.special_tokens_map.items() if k in (
                     "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")},
                 "cases": []}
        for set_name in ("single_user", "multi_turn"):
            for agp in (False, True):
                case = {"messages": set_name, "add_generation_prompt": agp}
                try:
                    case["expected"] = tok.apply_chat_template(MESSAGE_SETS[set_name], tokenize=False,
                                                               add_generation_prompt=agp)
                except Exception as e:  # noqa: BLE001
                    case["error"] = {"type": type(e).__name__, "message": str(e), "raised": False}
                entry["cases"].append(case)
        out.append(entry)
    return out


def build(models_root):
    with open(os.path.join(FIXTURE, "sources.json"), encoding="utf-8") as f:
        sources = json.load(f)
    templates = []
    for t in sources["templates"]:
        with open(os.path.join(FIXTURE, "templates", t["file"]), encoding="utf-8", newline="") as f:
            text = f.read()
        templates.append({"file": t["file"], "cases": template_cases(text, t["special_tokens"], EXTRA_VARIABLES.get(t["file"], []))})
    synthetic_tokens = {"bos_token": "<s>", "eos_token": "</s>"}
    synthetic = []
    for name, text in SYNTHETIC:
        cases = []
        for set_name in ("multi_turn", "single_user"):
            case = {"messages": set_name, "add_generation_prompt": True, "variables": {}}
            case.update(render(text, MESSAGE_SETS[set_name], True, synthetic_tokens, {}))
            cases.append(case)
        synthetic.append({"name": name, "template": text, "special_tokens": synthetic_tokens, "cases": cases})
    errors = []
    for name, text in SYNTHETIC_ERRORS:
        r = render(text, MESSAGE_SETS["multi_turn"], False, synthetic_tokens, {})
        if "error" not in r:
            raise SystemExit(f"synthetic error case {name!r} rendered without error: {r['expected']!r}")
        errors.append({"name": name, "template": text, "messages": "multi_turn", "error": r["error"]})
    return {
        "about": "Chat template renderings by transformers (see scripts/make_chat_template_fixture.py); "
                 "templates/*.jinja and sources.json hold the templates and their origin.",
        "versions": {"python": sys.version.split()[0], "transformers": transformers.__version__, "jinja2": jinja2.__version__},
        "now": NOW.isoformat(),
        "message_sets": MESSAGE_SETS,
        "templates": templates,
        "synthetic": synthetic,
        "synthetic_errors": errors,
        "loader": make_model_dirs(models_root),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify renderings.json instead of writing it")
    args = ap.parse_args()
    path = os.path.join(FIXTURE, "renderings.json")
    models_root = os.path.join(FIXTURE, "models")
    if args.check:
        import filecmp, tempfile
        with tempfile.TemporaryDirectory() as tmp:
            data = json.dumps(build(tmp), indent=1, ensure_ascii=False) + "\n"
            stale = [n for n in sorted(os.listdir(tmp)) for f in sorted(os.listdir(os.path.join(tmp, n)))
                     if not filecmp.cmp(os.path.join(tmp, n, f), os.path.join(models_root, n, f), shallow=False)]
        with open(path, encoding="utf-8") as f:
            if f.read() != data:
                stale.append("renderings.json")
        if stale:
            print(f"out of date: {', '.join(stale)}", file=sys.stderr)
            sys.exit(1)
        print("renderings.json and models/ are up to date")
        return
    data = json.dumps(build(models_root), indent=1, ensure_ascii=False) + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(data)
    d = json.loads(data)
    n = sum(len(t["cases"]) for t in d["templates"])
    ok = sum(1 for t in d["templates"] for c in t["cases"] if "expected" in c)
    print(f"wrote {path}: {len(d['templates'])} templates, {n} renderings ({ok} rendered, {n - ok} errors), "
          f"{len(d['synthetic'])} synthetic templates, {len(d['synthetic_errors'])} error cases, {len(d['loader'])} model directories")


if __name__ == "__main__":
    main()
