package terraform

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"gopkg.in/yaml.v3"
)

// This file evaluates the Terraform configuration far enough to check it
// without providers: variables take their defaults (or testVariables), locals
// and every resource's for_each are evaluated with the Terraform functions the
// configuration uses, and each resource instance's arguments, with dynamic
// blocks expanded, are computed. Attributes that only the provider knows
// after apply are unknown, except the few that synthesizeResource fills in so
// that references between resources can be checked.

// testProject is the project id the evaluation uses.
const testProject = "test-project"

// testVariables are values for the variables that have no default.
var testVariables = map[string]cty.Value{
	"project_id":  cty.StringVal(testProject),
	"domain":      cty.StringVal("api.example.test"),
	"alert_email": cty.StringVal("alerts@example.test"),
}

// node is an evaluated block body: its arguments and its nested blocks.
type node struct {
	Attrs  map[string]cty.Value
	Blocks map[string][]node
}

// block returns the first nested block of a type, or an empty node.
func (n node) block(path ...string) node {
	current := n
	for _, name := range path {
		blocks := current.Blocks[name]
		if len(blocks) == 0 {
			return node{}
		}
		current = blocks[0]
	}
	return current
}

// str returns a known string argument, or "" when it is unset, null or unknown.
func (n node) str(name string) string {
	v, ok := n.Attrs[name]
	if !ok || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// resource is one resource or data block, with its evaluated instances by key
// ("" for a resource without for_each).
type resource struct {
	Mode      string // "resource" or "data"
	Type      string
	Name      string
	Body      *hclsyntax.Body
	Instances map[string]node
}

// config is an evaluated Terraform configuration.
type config struct {
	dir       string
	readFile  func(path string) ([]byte, error)
	files     map[string][]byte
	vars      map[string]cty.Value
	locals    map[string]cty.Value
	resources []*resource
	outputs   map[string]hcl.Expression
	localExpr map[string]hcl.Expression
	diags     hcl.Diagnostics
}

// loadConfig parses and evaluates every .tf file in dir. readFile serves the
// configuration's file() calls, so a test can replace the manifest.
func loadConfig(t *testing.T, dir string, readFile func(string) ([]byte, error)) *config {
	t.Helper()
	c := &config{dir: dir, readFile: readFile, files: map[string][]byte{}, vars: map[string]cty.Value{},
		locals: map[string]cty.Value{}, outputs: map[string]hcl.Expression{}, localExpr: map[string]hcl.Expression{}}

	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no .tf files in %s (err %v)", dir, err)
	}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c.files[path] = src
		file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("parse %s: %v", path, diags)
		}
		c.collect(file.Body.(*hclsyntax.Body))
	}
	if c.diags.HasErrors() {
		t.Fatalf("read configuration: %v", c.diags)
	}

	c.evalLocals()
	// The first pass finds the instances and the arguments that the
	// synthesized attributes come from; the second sees those attributes.
	c.evalResources(c.evalContext(nil))
	c.diags = append(c.diags, c.evalResources(c.evalContext(c.synthesized()))...)
	for name, expr := range c.outputs {
		if _, diags := expr.Value(c.evalContext(c.synthesized())); diags.HasErrors() {
			c.diags = append(c.diags, diagsWithContext("output "+name, diags)...)
		}
	}
	if c.diags.HasErrors() {
		t.Fatalf("evaluate configuration:\n%v", c.diags)
	}
	return c
}

func diagsWithContext(where string, diags hcl.Diagnostics) hcl.Diagnostics {
	for _, d := range diags {
		d.Summary = where + ": " + d.Summary
	}
	return diags
}

// collect records the top-level blocks of one file.
func (c *config) collect(body *hclsyntax.Body) {
	for _, block := range body.Blocks {
		switch block.Type {
		case "variable":
			name := block.Labels[0]
			if v, ok := testVariables[name]; ok {
				c.vars[name] = v
				continue
			}
			attr, ok := block.Body.Attributes["default"]
			if !ok {
				c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "variable " + name + " has no default and no test value"})
				continue
			}
			v, diags := attr.Expr.Value(nil)
			c.diags = append(c.diags, diags...)
			c.vars[name] = v
		case "locals":
			for name, attr := range block.Body.Attributes {
				if _, dup := c.localExpr[name]; dup {
					c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "local " + name + " is defined twice"})
				}
				c.localExpr[name] = attr.Expr
			}
		case "resource", "data":
			c.resources = append(c.resources, &resource{Mode: block.Type, Type: block.Labels[0], Name: block.Labels[1], Body: block.Body})
		case "output":
			if attr, ok := block.Body.Attributes["value"]; ok {
				c.outputs[block.Labels[0]] = attr.Expr
			}
		}
	}
}

// evalLocals evaluates the locals in dependency order: each pass evaluates
// those whose referenced locals are all known.
func (c *config) evalLocals() {
	pending := map[string]hcl.Expression{}
	for name, expr := range c.localExpr {
		pending[name] = expr
	}
	for len(pending) > 0 {
		progress := false
		names := sortedKeys(pending)
		for _, name := range names {
			expr := pending[name]
			if !c.localsReady(expr) {
				continue
			}
			v, diags := expr.Value(c.evalContext(nil))
			c.diags = append(c.diags, diagsWithContext("local."+name, diags)...)
			c.locals[name] = v
			delete(pending, name)
			progress = true
		}
		if !progress {
			c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "locals refer to each other in a cycle or to undefined locals: " + strings.Join(names, ", ")})
			return
		}
	}
}

func (c *config) localsReady(expr hcl.Expression) bool {
	for _, traversal := range expr.Variables() {
		if traversal.RootName() != "local" || len(traversal) < 2 {
			continue
		}
		attr, ok := traversal[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		if _, done := c.locals[attr.Name]; !done {
			if _, defined := c.localExpr[attr.Name]; !defined {
				return true // evaluation reports the undefined local
			}
			return false
		}
	}
	return true
}

// evalContext returns the context for expressions outside for_each: var,
// local, path and a value for every resource, unknown unless known is given.
func (c *config) evalContext(known map[string]map[string]cty.Value) *hcl.EvalContext {
	resources := map[string]map[string]cty.Value{}
	data := map[string]map[string]cty.Value{}
	for _, r := range c.resources {
		target := resources
		if r.Mode == "data" {
			target = data
		}
		if target[r.Type] == nil {
			target[r.Type] = map[string]cty.Value{}
		}
		v := cty.DynamicVal
		if r.Mode == "resource" && known[r.Type] != nil {
			if kv, ok := known[r.Type][r.Name]; ok {
				v = kv
			}
		}
		target[r.Type][r.Name] = v
	}

	variables := map[string]cty.Value{
		"var":   cty.ObjectVal(c.vars),
		"local": cty.ObjectVal(c.locals),
		"path":  cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(c.dir), "root": cty.StringVal(c.dir)}),
		"self":  cty.DynamicVal,
	}
	dataObjects := map[string]cty.Value{}
	for typ, byName := range data {
		dataObjects[typ] = cty.ObjectVal(byName)
	}
	variables["data"] = cty.ObjectVal(dataObjects)
	for typ, byName := range resources {
		variables[typ] = cty.ObjectVal(byName)
	}
	return &hcl.EvalContext{Variables: variables, Functions: c.functions()}
}

// evalResources evaluates each resource's for_each and the arguments of each
// instance, and returns the problems it found.
func (c *config) evalResources(ctx *hcl.EvalContext) hcl.Diagnostics {
	saved := c.diags
	c.diags = nil
	defer func() { c.diags = saved }()
	for _, r := range c.resources {
		r.Instances = map[string]node{}
		where := r.Mode + " " + r.Type + "." + r.Name
		forEach, ok := r.Body.Attributes["for_each"]
		if !ok {
			r.Instances[""] = c.evalBody(r.Body, ctx, where)
			continue
		}
		collection, diags := forEach.Expr.Value(ctx)
		c.diags = append(c.diags, diagsWithContext(where+" for_each", diags)...)
		if diags.HasErrors() {
			continue
		}
		if !collection.IsKnown() || collection.IsNull() || !collection.CanIterateElements() {
			c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: where + ": for_each is not a known map or set"})
			continue
		}
		for it := collection.ElementIterator(); it.Next(); {
			k, v := it.Element()
			if collection.Type().IsSetType() {
				k = v
			}
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
			r.Instances[k.AsString()] = c.evalBody(r.Body, child, where+"["+k.AsString()+"]")
		}
	}
	return c.diags
}

// Meta-arguments and blocks that name other objects rather than values.
var skippedAttrs = map[string]bool{"for_each": true, "depends_on": true, "provider": true, "count": true}
var skippedBlocks = map[string]bool{"lifecycle": true, "provisioner": true, "connection": true}

func (c *config) evalBody(body *hclsyntax.Body, ctx *hcl.EvalContext, where string) node {
	n := node{Attrs: map[string]cty.Value{}, Blocks: map[string][]node{}}
	for name, attr := range body.Attributes {
		if skippedAttrs[name] {
			continue
		}
		v, diags := attr.Expr.Value(ctx)
		c.diags = append(c.diags, diagsWithContext(where+"."+name, diags)...)
		n.Attrs[name] = v
	}
	for _, block := range body.Blocks {
		switch {
		case skippedBlocks[block.Type]:
		case block.Type == "dynamic":
			c.expandDynamic(n, block, ctx, where)
		default:
			n.Blocks[block.Type] = append(n.Blocks[block.Type], c.evalBody(block.Body, ctx, where+"."+block.Type))
		}
	}
	return n
}

// expandDynamic adds one block per element of a dynamic block's for_each.
func (c *config) expandDynamic(n node, block *hclsyntax.Block, ctx *hcl.EvalContext, where string) {
	name := block.Labels[0]
	where += ".dynamic." + name
	iterator := name
	if attr, ok := block.Body.Attributes["iterator"]; ok {
		iterator = hcl.ExprAsKeyword(attr.Expr)
	}
	forEach, ok := block.Body.Attributes["for_each"]
	if !ok {
		c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: where + ": dynamic block without for_each"})
		return
	}
	collection, diags := forEach.Expr.Value(ctx)
	c.diags = append(c.diags, diagsWithContext(where+".for_each", diags)...)
	if diags.HasErrors() || !collection.IsKnown() || collection.IsNull() {
		return
	}
	var content *hclsyntax.Body
	for _, b := range block.Body.Blocks {
		if b.Type == "content" {
			content = b.Body
		}
	}
	if content == nil {
		c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: where + ": dynamic block without content"})
		return
	}
	for it := collection.ElementIterator(); it.Next(); {
		k, v := it.Element()
		child := ctx.NewChild()
		child.Variables = map[string]cty.Value{iterator: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
		n.Blocks[name] = append(n.Blocks[name], c.evalBody(content, child, where))
	}
}

// synthesized returns the attributes that other resources read and that the
// provider would fill in, for the resource types whose references the tests
// check: service account e-mails, topic and secret ids and function URLs.
func (c *config) synthesized() map[string]map[string]cty.Value {
	out := map[string]map[string]cty.Value{}
	for _, r := range c.resources {
		if r.Mode != "resource" {
			continue
		}
		build := synthesizers[r.Type]
		if build == nil {
			continue
		}
		instances := map[string]cty.Value{}
		for key, inst := range r.Instances {
			instances[key] = build(inst)
		}
		var v cty.Value
		if _, single := r.Instances[""]; single && len(r.Instances) == 1 {
			v = instances[""]
		} else {
			v = cty.ObjectVal(instances)
		}
		if out[r.Type] == nil {
			out[r.Type] = map[string]cty.Value{}
		}
		out[r.Type][r.Name] = v
	}
	return out
}

var synthesizers = map[string]func(node) cty.Value{
	"google_service_account": func(n node) cty.Value {
		email := n.str("account_id") + "@" + testProject + ".iam.gserviceaccount.com"
		return cty.ObjectVal(map[string]cty.Value{
			"email":  cty.StringVal(email),
			"member": cty.StringVal("serviceAccount:" + email),
			"name":   cty.StringVal("projects/" + testProject + "/serviceAccounts/" + email),
			"id":     cty.StringVal("projects/" + testProject + "/serviceAccounts/" + email),
		})
	},
	"google_pubsub_topic": func(n node) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(n.str("name")),
			"id":   cty.StringVal(topicID(n.str("name"))),
		})
	},
	"google_secret_manager_secret": func(n node) cty.Value {
		id := n.str("secret_id")
		return cty.ObjectVal(map[string]cty.Value{
			"secret_id": cty.StringVal(id),
			"id":        cty.StringVal("projects/" + testProject + "/secrets/" + id),
			"name":      cty.StringVal("projects/" + testProject + "/secrets/" + id),
		})
	},
	"google_cloudfunctions2_function": func(n node) cty.Value {
		name := n.str("name")
		return cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(name),
			"service_config": cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{
				"uri":     cty.StringVal(functionURI(name)),
				"service": cty.StringVal(name),
			})}),
		})
	},
}

func topicID(name string) string {
	return "projects/" + testProject + "/topics/" + name
}

func functionURI(name string) string {
	return "https://" + name + ".run.test"
}

// functions returns the Terraform functions the configuration calls.
func (c *config) functions() map[string]function.Function {
	return map[string]function.Function{
		"base64encode": base64EncodeFunc,
		"can":          tryfunc.CanFunc,
		"coalesce":     stdlib.CoalesceFunc,
		"concat":       stdlib.ConcatFunc,
		"contains":     stdlib.ContainsFunc,
		"distinct":     stdlib.DistinctFunc,
		"file":         c.fileFunc(),
		"flatten":      stdlib.FlattenFunc,
		"join":         stdlib.JoinFunc,
		"jsondecode":   stdlib.JSONDecodeFunc,
		"jsonencode":   stdlib.JSONEncodeFunc,
		"keys":         stdlib.KeysFunc,
		"length":       stdlib.LengthFunc,
		"lookup":       stdlib.LookupFunc,
		"max":          stdlib.MaxFunc,
		"merge":        stdlib.MergeFunc,
		"min":          stdlib.MinFunc,
		"regex":        stdlib.RegexFunc,
		"replace":      stdlib.ReplaceFunc,
		"sort":         stdlib.SortFunc,
		"sum":          sumFunc,
		"tonumber":     stdlib.MakeToFunc(cty.Number),
		"toset":        stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":     stdlib.MakeToFunc(cty.String),
		"try":          tryfunc.TryFunc,
		"yamldecode":   yamlDecodeFunc,
	}
}

func (c *config) fileFunc() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			data, err := c.readFile(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(string(data)), nil
		},
	})
}

var base64EncodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.StringVal(base64.StdEncoding.EncodeToString([]byte(args[0].AsString()))), nil
	},
})

var sumFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Number)}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		total := cty.Zero
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			total = total.Add(v)
		}
		return total, nil
	},
})

// yamlDecodeFunc decodes YAML into the value Terraform's yamldecode returns
// for the documents the configuration reads: mappings become objects and
// sequences tuples, as jsondecode does for the same data.
var yamlDecodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "src", Type: cty.String}},
	Type:   function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var doc any
		if err := yaml.Unmarshal([]byte(args[0].AsString()), &doc); err != nil {
			return cty.NilVal, err
		}
		data, err := json.Marshal(doc)
		if err != nil {
			return cty.NilVal, fmt.Errorf("yamldecode: %w", err)
		}
		ty, err := ctyjson.ImpliedType(data)
		if err != nil {
			return cty.NilVal, err
		}
		return ctyjson.Unmarshal(data, ty)
	},
})

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
