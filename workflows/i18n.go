package workflows

import "github.com/datagate/datagate/domain"

// zhRefusals translates the English formats of refuse into zh-CN.
var zhRefusals = map[string]string{
	// core.go
	"task_id is required": "task_id 不能为空",
	"task %s is not open (already decided, cancelled, or not part of this workflow)": "任务 %s 不在办理中（已办结、已取消或不属于本流程）",
	"task %s belongs to %s; %s cannot act on it":                                     "任务 %s 属于 %s，%s 无权办理",
	"decision %q is not allowed on a %s task; use one of: %s":                        "办理结果 %q 不适用于 %s 任务；可选：%s",
	"the actor's user and org are required":                                          "须提供操作人的用户和所属单位",
	"a rejection must state its reason: fill in %sreason":                            "驳回须说明理由：请填写 %sreason",
	"a rejection must state its legal or policy basis: fill in %sbasis":              "驳回须说明法律或政策依据：请填写 %sbasis",
	"decision %s needs a reason: fill in reason":                                     "办理结果 %s 须说明理由：请填写 reason",

	// application.go and the phases: review.go, agreements.go, evaluation.go, ending.go, model.go
	"an opinion needs its text: fill in comment":                                                                              "意见内容不能为空：请填写 comment",
	"a self-evaluation needs its report: fill in comment":                                                                     "自评须提交自评报告：请填写 comment",
	"name the regulator to ask: fill in regulator with its org code":                                                          "请指定征求意见的行业主管部门：在 regulator 中填写其单位代码",
	"an opinion from %s is already pending for this review":                                                                   "本次审核已向 %s 征求意见，尚待答复",
	"field %q cannot be supplemented; editable fields are description, purpose, scope, security_controls":                     "字段 %q 不可补正；可补正的字段为 description、purpose、scope、security_controls",
	"dataset %q is not one of %s's datasets in this application":                                                              "数据资源 %q 不属于本申请中由 %s 提供的数据资源",
	"dataset %s was approved in an earlier round and stays approved; a reopened review decides only the datasets it rejected": "数据资源 %s 已在前一轮审核中同意，维持同意；重新审核只对此前不同意的数据资源作出决定",
	"dataset %q is decided twice":                                                                                             "数据资源 %q 重复填写审核结果",
	"decision %q on dataset %s: use approve or reject":                                                                        "审核结果 %q（数据资源 %s）无效：请使用 approve 或 reject",
	"dataset %s has no decision; decide every dataset of %s":                                                                  "数据资源 %s 尚无审核结果；请对 %s 提供的每项数据资源逐一审核",
	"task kind %s cannot be decided here":                                                                                     "此处不能办理 %s 类任务",
	"evaluation %s is still in progress":                                                                                      "定期评估 %s 尚在进行中",
	"only %s may %s on this application; %s may not":                                                                          "仅 %s 可对本申请执行“%s”，%s 无此权限",
	"cannot %s: the application is %s, not active":                                                                            "无法执行“%s”：申请当前状态为 %s，不在授权有效期内",
	"exit notice was already given; the authorization ends on %s":                                                             "已提交退出通知，授权将于 %s 终止",
	"only the applicant %s may withdraw this application":                                                                     "仅申请单位 %s 可撤回本申请",
	"an application can be withdrawn only until the initial decision; it is %s":                                               "申请仅可在初审作出决定前撤回；当前状态为 %s",
	"an application can be withdrawn only until the authorization takes effect; it is %s":                                     "申请仅可在授权生效前撤回；当前状态为 %s",
	"the departments have started on this application: fill in reason to say why it is withdrawn":                             "各部门已开始审核本申请，撤回须说明理由：请填写 reason",
	"only the applicant may decline the agreements; %s may sign":                                                              "只有申请单位可以拒绝签署协议；%s 只能签署",
	"the opinion asked of %s is pending: wait for it, or withdraw the request with a reason (decision withdraw_request)":      "已向 %s 征求意见，尚未答复：请等待答复，或说明理由撤回征求意见（办理结果 withdraw_request）",
	"rectification was already ordered %d times: rate the evaluation qualified or unqualified":                                "已责令整改 %d 次：请评定为合格或不合格",
	"no regulator's opinion is pending for this review":                                                                       "本审核没有待答复的征求意见",
	"a model needs a name: fill in name":                                                                                      "模型名称不能为空：请填写 name",
	"describe the model and how it uses the data: fill in description":                                                        "请说明模型及其使用数据的方式：请填写 description",

	// supervision.go
	"only a supervisor may urge a task; %s is %s":                        "仅督查人员可督办任务；%s 的角色为 %s",
	"an urge needs its message: fill in message":                         "督办内容不能为空：请填写 message",
	"task %s is not open for an urge":                                    "任务 %s 不在办理中，无法督办",
	"task %s was already urged; its reply is pending":                    "任务 %s 已被督办，尚待部门答复",
	"a reply to an urge needs its text: fill in comment":                 "督办答复内容不能为空：请填写 comment",
	"only a supervisor may flag a rejection; %s is %s":                   "仅督查人员可标记无依据驳回；%s 的角色为 %s",
	"a flag needs its reason: fill in reason":                            "标记无依据驳回须说明理由：请填写 reason",
	"the rejection in task %s is already flagged; its answer is pending": "任务 %s 中的驳回已被标记，尚待部门答复",
	"task %s is not a rejection of this application":                     "任务 %s 不是本申请中作出驳回的审核任务",

	// procedure.go
	"a revision carries the revised catalog entry: fill in proposal":                                                                    "按建议修改须提交修改后的目录条目：请填写 proposal",
	"a revision changes the entry proposed (%s), not another: keep proposal.code and proposal.change":                                   "修改只针对所申报的条目（%s）：请保持 proposal.code 与 proposal.change 不变",
	"record the joint consultation (who took part and what was agreed): fill in comment":                                                "请记录联合会商情况（参加单位及会商结论）：请填写 comment",
	"the data is provided by its catalog entry: fill in proposal":                                                                       "提供数据须提交其目录条目：请填写 proposal",
	"requested data joins the catalog as a new dataset: set proposal.change to create":                                                  "目录外数据以新增数据资源的方式纳入目录：请将 proposal.change 设为 create",
	"proposal.change %q is not one of: %s":                                                                                              "proposal.change %q 无效，可选：%s",
	"a catalog entry needs its code: fill in proposal.code":                                                                             "目录条目须有编码：请填写 proposal.code",
	"a catalog entry needs its name: fill in proposal.name":                                                                             "目录条目须有名称：请填写 proposal.name",
	"a catalog entry lists its data items: fill in proposal.fields":                                                                     "目录条目须列明数据项：请填写 proposal.fields",
	"proposal.open_attribute %q is not one of: %s":                                                                                      "开放属性 proposal.open_attribute %q 无效，可选：%s",
	"proposal.grade %d is not a grade: use 1 to 4":                                                                                      "分级 proposal.grade %d 无效：请填写 1 至 4",
	"a closed or conditional classification states its grounds (依据): fill in proposal.grounds":                                          "列为非开放类或有条件开放类须提供相关依据：请填写 proposal.grounds",
	"data used only with its subjects' consent is not open unconditionally (第九条): set proposal.open_attribute to conditional or closed": "须经数据主体授权同意的数据不得列为无条件开放类（第九条）：请将 proposal.open_attribute 设为 conditional 或 closed",
	"conditional data states its conditions (开放条件): fill in proposal.open_conditions":                                                   "有条件开放类数据须明确开放条件：请填写 proposal.open_conditions",

	// restrictions.go
	"measure %q is not one of: %s":                                    "措施 measure %q 无效，可选：%s",
	"a restriction says what it limits: fill in scope":                "限制措施须说明限制范围：请填写 scope",
	"a measure is in force already: lift it before taking another":    "已有措施正在执行：请先解除，再采取新的措施",
	"no measure is in force on this authorization":                    "本授权当前没有正在执行的措施",
	"an appeal states its grounds: fill in reason":                    "申诉须说明理由：请填写 reason",
	"no model is submitted while a measure is in force (%s since %s)": "措施执行期间不得提交模型（%s，自 %s 起）",
}

// zhPhrases translates the action phrases a refusal's arguments carry;
// the domain's codes (statuses, kinds, decisions, roles) are translated by
// domain.Word.
var zhPhrases = map[string]string{
	"request an evaluation": "发起评估", "give exit notice": "提出退出", "terminate the authorization": "终止授权",
	"submit a model": "提交模型",
}

// ZhWord is the zh-CN name of a status, task kind, decision, role or
// action phrase, or the word itself when it has none.
func ZhWord(s string) string {
	if z, ok := zhPhrases[s]; ok {
		return z
	}
	z, _ := domain.Word(s, "zh-CN")
	return z
}

// zhArgs translates the string arguments of a message.
func zhArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			out[i] = ZhWord(s)
		} else {
			out[i] = a
		}
	}
	return out
}
